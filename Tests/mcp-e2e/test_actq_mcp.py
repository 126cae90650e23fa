"""`actq mcp` under the official MCP Python client (the `mcp` package), over stdio, on a demo store."""
import json
import os
import subprocess
import tempfile

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACTQ = os.environ.get("ACTQ_BINARY", os.path.join(ROOT, ".build", "debug", "actq"))


@pytest.fixture(scope="module")
def home():
    with tempfile.TemporaryDirectory(prefix="actq-mcp-e2e-") as directory:
        store = os.path.join(directory, "demo.sqlite")
        subprocess.run([ACTQ, "demo", "--count", "500", "--seed", "11", "--until", "2024-06-01", "--db", store],
                       check=True, capture_output=True)
        yield directory, store


def environment(directory):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTQ_")}
    env.update({"XDG_DATA_HOME": os.path.join(directory, "data"), "XDG_STATE_HOME": os.path.join(directory, "state"),
                "XDG_CONFIG_HOME": os.path.join(directory, "config"), "ACTQ_NOW": "2024-06-15T12:00:00Z", "TZ": "UTC"})
    return env


async def session_call(home, calls):
    directory, store = home
    params = StdioServerParameters(command=ACTQ, args=["mcp", "--db", store, "--tz", "UTC"], env=environment(directory))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            info = await session.initialize()
            assert info.server_info.name == "actq"
            return [await call(session) for call in calls]


def local_answer(home, query):
    directory, store = home
    out = subprocess.run([ACTQ, "--db", store, "--format", "json", "-e", query], check=True, capture_output=True,
                         env=environment(directory)).stdout
    return json.loads(out)


async def test_tools_search_and_a_bad_query(home):
    async def tools(session):
        return await session.list_tools()

    query = "status = open and queue = 1000 sort by lastModifiedDate desc page 1 size 5"

    async def search(session):
        return await session.call_tool("search_activities", {"query": query})

    async def bad(session):
        return await session.call_tool("search_activities", {"query": "stauts = open and type = email"})

    listed, found, refused = await session_call(home, [tools, search, bad])
    assert {tool.name for tool in listed.tools} == {
        "search_activities", "check_query", "explain_query", "query_from_url", "count_activities"}

    assert not found.is_error
    expected = local_answer(home, query)
    got = found.structured_content
    assert [a["id"] for a in got["activities"]] == [a["id"] for a in expected["activity"]]
    assert got["count"] == expected["paginationInfo"]["count"]
    assert len(got["activities"]) == 5
    assert got["requests"][0].startswith("/ws/v12/interaction/activity?status=open&queue=1000")

    assert refused.is_error
    codes = [d["code"] for d in refused.structured_content["diagnostics"]]
    assert "V001" in codes
    assert "did you mean 'status'" in refused.content[0].text


async def test_reference_resource_and_count(home):
    async def reference(session):
        return await session.read_resource("actq://reference/language")

    async def count(session):
        return await session.call_tool("count_activities", {"query": "customer = 1080"})

    text, counted = await session_call(home, [reference, count])
    body = text.contents[0].text
    for field in ["customer", "status", "lastModifiedDate", "assignedUserName", "custom.<name>"]:
        assert f"`{field}`" in body
    assert counted.structured_content["count"] == local_answer(home, "customer = 1080")["paginationInfo"]["count"]
