"""The search page; app.js re-runs the same search through ``/api/search`` as the user types.

With filters and no query it lists the matching questions: "Your decks" on the Import page
links here with only a deck.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from archprep.bank.model import category_title
from archprep.search import MAX_QUERY_CHARS, Filters
from archprep.store.questions import list_questions
from archprep.store.stats import bank_stats
from archprep.web.cache import cached_search
from archprep.web.deps import DB, CurrentViewer, now, page, state

router = APIRouter(include_in_schema=False)
MAX_LISTED = 200  # questions shown when filters are given without a query


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
    listing = None
    if not q.strip() and any((filters.deck, filters.category, filters.level, filters.kind)):
        listing = list_questions(session, viewer.id, deck=filters.deck, category=filters.category,
                                 level=filters.level, kind=filters.kind)  # fmt: skip
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
        listing=listing[:MAX_LISTED] if listing is not None else None,
        listing_total=len(listing or ()),
        filters=filters,
        categories=[c["category"] for c in stats["categories"]],
        titles={c["category"]: category_title(c["category"]) for c in stats["categories"]},
        decks=stats["decks"],
    )
