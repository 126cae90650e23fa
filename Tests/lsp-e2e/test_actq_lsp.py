"""`actq lsp` under a real, independent LSP client (pytest-lsp / pygls), over stdio."""
import os
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACTQ = os.environ.get("ACTQ_BINARY", os.path.join(ROOT, ".build", "debug", "actq"))
URI = "file:///tmp/errors.actq"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[ACTQ, "lsp", "--tz", "UTC"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities()))
    yield
    await lsp_client.shutdown_session()


async def test_diagnostics_and_completion_arrive(client: LanguageClient):
    text = "status = open\ntype = email\nstauts = open\nstatus = "
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=URI, language_id="actq", version=1, text=text)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    diagnostics = client.diagnostics[URI]
    codes = [d.code for d in diagnostics]
    assert "V007" in codes and "V001" in codes
    unknown = next(d for d in diagnostics if d.code == "V001")
    assert unknown.range.start == types.Position(line=2, character=0)
    assert unknown.range.end == types.Position(line=2, character=6)
    assert unknown.severity == types.DiagnosticSeverity.Error

    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=types.TextDocumentIdentifier(uri=URI), position=types.Position(line=3, character=9)))
    items = result if isinstance(result, list) else result.items
    labels = [item.label for item in items]
    assert "open" in labels and "completed" in labels


async def test_hover_and_formatting(client: LanguageClient):
    uri = "file:///tmp/hover.actq"
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="actq", version=1, text="QUEUE=1000 and type=email")))
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=2)))
    assert "GET /ws/v12/interaction/activity?queue=1000&type=email" in hover.contents.value
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=types.TextDocumentIdentifier(uri=uri), options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert edits[0].new_text == "queue = 1000 and type = email\n"
