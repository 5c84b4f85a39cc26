"""The search page; app.js re-runs the same search through ``/api/search`` as the user types."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from archprep.search import MAX_QUERY_CHARS, Filters
from archprep.store.stats import bank_stats
from archprep.web.cache import cached_search
from archprep.web.deps import DB, CurrentViewer, now, page, state
from archprep.web.filters import category_title

router = APIRouter(include_in_schema=False)


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    q: str = "",
    category: str | None = None,
    level: str | None = None,
    kind: str | None = None,
    deck: str | None = None,
) -> HTMLResponse:
    st = state(request)
    filters = Filters(deck or None, category or None, level or None, kind or None)
    result = None
    if q.strip():
        result = cached_search(
            st.caches,
            st.searcher,
            session,
            q[:MAX_QUERY_CHARS],
            user_id=viewer.id,
            filters=filters,
            limit=20,
        )
    stats = bank_stats(session, viewer.id, now(request))
    return page(
        request,
        "search.html",
        viewer,
        title=f"Search: {q}" if q else "Search",
        q=q,
        result=result,
        filters=filters,
        categories=[c["category"] for c in stats["categories"]],
        titles={c["category"]: category_title(c["category"]) for c in stats["categories"]},
        decks=stats["decks"],
    )
