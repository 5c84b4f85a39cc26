"""Import (upload, dry-run preview, confirm) and export downloads (Anki, guide, backup)."""

from __future__ import annotations

import re
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import delete, select
from starlette.background import BackgroundTask

from archprep.errors import UserError
from archprep.exporters.anki import export_anki
from archprep.exporters.backup import backup_json, dump_backup
from archprep.exporters.guide import build_guide
from archprep.importers import ImportReport, import_file
from archprep.importers.detect import FORMATS
from archprep.progress import imported_decks
from archprep.store.schema import ImportDraftRow
from archprep.store.stats import bank_stats
from archprep.web.deps import DB, CurrentViewer, Viewer, WebState, now, page, state

router = APIRouter(include_in_schema=False)
PREVIEW_ITEMS = 50
DRAFT_TTL = timedelta(days=1)
ACCEPT = ".txt,.md,.markdown,.html,.htm,.pdf,.csv,.tsv,.jsonl,.json,.apkg"


def _safe_name(filename: str | None) -> str:
    """The upload's base name, reduced to characters safe in a temp path (keeps the suffix)."""
    base = Path(filename or "upload.txt").name
    # Letters and digits of any script stay ("Вопросы.jsonl" names its deck); the rest goes.
    cleaned = re.sub(r"[^\w. -]+", "_", base).strip(" .") or "upload.txt"
    return cleaned[-120:]


def _run_import(
    st: WebState, viewer: Viewer, draft: ImportDraftRow, *, dry_run: bool
) -> ImportReport:
    """``import_file`` on the draft's bytes, written under its own name so the format is detected."""
    with tempfile.TemporaryDirectory(prefix="archprep-import-") as folder:
        path = Path(folder) / draft.filename
        path.write_bytes(draft.content)
        return import_file(st.store, viewer.id, path, deck=draft.deck or None,
                           fmt=draft.format or None, dry_run=dry_run, now=st.clock(),
                           settings=st.settings)  # fmt: skip


def _import_page(request: Request, session: DB, viewer: Viewer, *, error: str | None = None,
                 status_code: int = 200) -> HTMLResponse:  # fmt: skip
    return page(request, "import.html", viewer, status_code=status_code, title="Import",
                error=error, formats=FORMATS, accept=ACCEPT,
                decks=imported_decks(session, viewer.id),
                limit_mb=state(request).settings.max_import_bytes / 1e6)  # fmt: skip


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, session: DB, viewer: CurrentViewer) -> HTMLResponse:
    return _import_page(request, session, viewer)


@router.post("/import", response_model=None)
def upload(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    file: Annotated[UploadFile, File()],
    deck: Annotated[str, Form()] = "",
    format: Annotated[str, Form()] = "",
) -> Response:
    """Hold the upload as a draft and show what importing it would do (nothing is stored yet)."""
    st = state(request)
    limit = st.settings.max_import_bytes
    content = file.file.read(limit + 1)
    if len(content) > limit:
        return _import_page(request, session, viewer, status_code=413,
                            error=f"the file is over the {limit:,}-byte import limit")  # fmt: skip
    moment = now(request)
    session.execute(delete(ImportDraftRow).where(ImportDraftRow.created_at < moment - DRAFT_TTL))
    draft = ImportDraftRow(id=secrets.token_urlsafe(24), user_id=viewer.id,
                           filename=_safe_name(file.filename), deck=deck.strip()[:120] or None,
                           format=format if format in FORMATS else None, content=content,
                           created_at=moment)  # fmt: skip
    try:
        report = _run_import(st, viewer, draft, dry_run=True)
    except UserError as exc:
        session.commit()
        return _import_page(request, session, viewer, error=str(exc), status_code=400)
    session.add(draft)
    session.commit()
    return page(request, "import_preview.html", viewer, title="Check the import",
                report=report, draft=draft, items=report.items[:PREVIEW_ITEMS])  # fmt: skip


def _own_draft(session: DB, viewer: Viewer, draft_id: str) -> ImportDraftRow:
    draft = session.scalars(
        select(ImportDraftRow).where(ImportDraftRow.id == draft_id,
                                     ImportDraftRow.user_id == viewer.id)
    ).first()  # fmt: skip
    if draft is None:
        raise HTTPException(
            404, "this import preview has expired or was already used; upload again"
        )
    return draft


@router.post("/import/confirm", response_class=HTMLResponse)
def confirm(
    request: Request, session: DB, viewer: CurrentViewer, draft_id: Annotated[str, Form()]
) -> HTMLResponse:
    draft = _own_draft(session, viewer, draft_id)
    report = _run_import(state(request), viewer, draft, dry_run=False)
    session.delete(draft)
    session.commit()
    return page(request, "import_done.html", viewer, title="Imported", report=report,
                items=report.items[:PREVIEW_ITEMS])  # fmt: skip


@router.post("/import/discard")
def discard(
    session: DB, viewer: CurrentViewer, draft_id: Annotated[str, Form()]
) -> RedirectResponse:
    session.delete(_own_draft(session, viewer, draft_id))
    session.commit()
    return RedirectResponse("/import", status_code=303)


@router.get("/export", response_class=HTMLResponse)
def export_page(request: Request, session: DB, viewer: CurrentViewer) -> HTMLResponse:
    stats = bank_stats(session, viewer.id, now(request))
    return page(request, "export.html", viewer, title="Export", stats=stats,
                backup_allowed=not state(request).config.multi_user)  # fmt: skip


@router.get("/export/anki")
def download_anki(
    request: Request, viewer: CurrentViewer, deck: str | None = None, category: str | None = None
) -> FileResponse:
    folder = tempfile.mkdtemp(prefix="archprep-export-")
    out = Path(folder) / "archprep.apkg"
    try:
        export_anki(state(request).store, viewer.id, out, deck=deck or None,
                    category=category or None)  # fmt: skip
    except BaseException:
        _remove(Path(folder))  # a failed export (nothing matched) leaves no folder behind
        raise
    name = "archprep" + (f"-{deck}" if deck else "") + (f"-{category}" if category else "")
    return FileResponse(out, media_type="application/octet-stream", filename=f"{name}.apkg",
                        background=BackgroundTask(_remove, Path(folder)))  # fmt: skip


def _remove(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink(missing_ok=True)
    folder.rmdir()


@router.get("/export/guide")
def download_guide(request: Request, viewer: CurrentViewer) -> Response:
    text = build_guide(state(request).store, viewer.id, now(request))
    return Response(text, media_type="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="archprep-guide.md"'})  # fmt: skip


@router.get("/export/backup")
def download_backup(request: Request, viewer: CurrentViewer) -> Response:
    """The whole database as JSON: local mode only (a shared server's backup holds everyone)."""
    st = state(request)
    if st.config.multi_user:
        raise HTTPException(
            403, "backups cover every account; the administrator runs `archprep export backup`"
        )
    moment = now(request)
    stamp = moment.strftime("%Y%m%d-%H%M")
    return Response(backup_json(dump_backup(st.store, moment)),
                    media_type="application/json",
                    headers={"Content-Disposition":
                             f'attachment; filename="archprep-backup-{stamp}.json"'})  # fmt: skip
