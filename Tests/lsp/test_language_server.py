"""`pgs lsp` driven by a real LSP client (pytest-lsp), as VS Code and Neovim 0.11 start it.

PGS_BIN names the pgs binary (scripts/test passes the one it built; default .build/debug/pgs).
"""
import os
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parents[2]
PGS = os.environ.get("PGS_BIN") or str(ROOT / ".build" / "debug" / "pgs")
URI = "file:///tmp/pgs-lsp-test/nb.pgs"

NOTEBOOK = """\
# %% Setup
square = fn(x) { x * x }
# %% Model
net = network(input: [4]) {
  linear(2, name: "out")
}
# %% [markdown]
# Notes
# %% Run
s = "café 🙂" + square(undefined_thing)
z = maxi
h = relu(z)
"""


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[PGS, "lsp"]),
    params=["visual-studio-code", "neovim@v0.11.0"],
)
async def client(lsp_client: LanguageClient, request):
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities(request.param))
    )
    yield
    await lsp_client.shutdown_session()


async def open_notebook(client: LanguageClient, text: str = NOTEBOOK):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=URI, language_id="pgs", version=1, text=text)
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)


def labels(result):
    items = result.items if isinstance(result, types.CompletionList) else result
    return [item.label for item in items]


def position(line: int, text: str) -> types.Position:
    """The UTF-16 position of the end of `text` in `line` (0-based) of the notebook."""
    source = NOTEBOOK.splitlines()[line]
    column = source.index(text) + len(text)
    return types.Position(line=line, character=len(source[:column].encode("utf-16-le")) // 2)


async def test_undefined_name_has_its_code_and_utf16_range(client: LanguageClient):
    await open_notebook(client)
    diagnostics = client.diagnostics[URI]
    undefined = [d for d in diagnostics if "undefined_thing" in d.message]
    assert [d.code for d in undefined] == ["E0201"]
    # `s = "café 🙂" + square(` is 22 code points but 23 UTF-16 units: the emoji takes two.
    assert undefined[0].range == types.Range(
        start=types.Position(line=9, character=23), end=types.Position(line=9, character=38)
    )
    assert undefined[0].severity == types.DiagnosticSeverity.Error


async def test_diagnostics_follow_changes(client: LanguageClient):
    await open_notebook(client)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="x = 1\nprint(x)\n")],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert list(client.diagnostics[URI]) == []


async def complete(client: LanguageClient, at: types.Position):
    """The server's completions at `at` in the open notebook."""
    return await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=URI), position=at)
    )


async def test_completion_of_builtins_and_argument_labels(client: LanguageClient):
    await open_notebook(client)
    result = await complete(client, position(10, "maxi"))
    assert "maximize" in labels(result)
    # An unfinished call: the document has a syntax error now, and completion still answers.
    await open_notebook(client, NOTEBOOK + "maximize(obj, st")
    result = await complete(client, types.Position(line=12, character=16))
    assert "steps:" in labels(result)


async def test_document_names_are_offered(client: LanguageClient):
    await open_notebook(client, NOTEBOOK + "sq")
    result = await complete(client, types.Position(line=12, character=2))
    assert "square" in labels(result)


async def test_hover_shows_builtin_help(client: LanguageClient):
    await open_notebook(client)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=URI), position=position(11, "rel")
        )
    )
    assert hover is not None
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "relu(" in hover.contents.value
    assert hover.range == types.Range(
        start=types.Position(line=11, character=4), end=types.Position(line=11, character=8)
    )


async def test_definition_of_a_function_is_its_assignment(client: LanguageClient):
    await open_notebook(client)
    result = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=URI), position=position(9, "squ")
        )
    )
    location = result[0] if isinstance(result, list) else result
    assert location.uri == URI
    assert location.range == types.Range(
        start=types.Position(line=1, character=0), end=types.Position(line=1, character=6)
    )


async def test_document_symbols_list_cells_and_networks(client: LanguageClient):
    await open_notebook(client)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert [s.name for s in symbols] == ["Setup", "Model", "cell 3", "Run"]
    model = symbols[1]
    assert [(c.name, c.kind) for c in model.children] == [("net", types.SymbolKind.Class)]
    assert [(c.name, c.kind) for c in symbols[0].children] == [("square", types.SymbolKind.Function)]
    assert model.range.start == types.Position(line=2, character=0)
