using MockKit.MockServer.Tests.Support;
using MockKit.Tool.Tests.Support;

namespace MockKit.Tool.Tests;

/// <summary>The admin API is language-neutral: a Python client on the standard library only (urllib, json).</summary>
public sealed class PythonAdminClientTests
{
    private const string Client = """
        import json, sys, urllib.request, urllib.error
        base = sys.argv[1]
        def call(method, path, body=None):
            data = None if body is None else json.dumps(body).encode()
            request = urllib.request.Request(base + "__mockkit/" + path, data=data, method=method, headers={"Authorization": "Bearer py-token", "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request) as response:
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read())
        assert call("GET", "health")[1]["status"] == "ok"
        status, added = call("POST", "routes", [{"method": "GET", "path": "/hello/{name}", "response": {"body": "hi", "headers": [{"name": "X-Lang", "value": "py"}]}}])
        assert (status, added) == (201, {"added": 1}), (status, added)
        assert call("POST", "enqueue", {"status": 418, "body": "teapot"})[0] == 201
        with urllib.request.urlopen(base + "hello/ada") as response:
            assert response.read() == b"hi" and response.headers["X-Lang"] == "py"
        try:
            urllib.request.urlopen(base + "anything")
            raise AssertionError("expected 418")
        except urllib.error.HTTPError as error:
            assert error.code == 418 and error.read() == b"teapot"
        status, taken = call("GET", "requests?take=2&timeoutMs=5000")
        assert [r["target"] for r in taken] == ["/hello/ada", "/anything"], taken
        assert "Host" in [h["name"] for h in taken[0]["headers"]] and taken[0]["failure"] is None, taken[0]
        status, error = call("POST", "routes", "not a route")
        assert status == 400 and error["line"] == 1, error
        assert call("POST", "reset")[0] == 200
        print("python admin client: ok")
        """;

    [Fact]
    public async Task A_python_urllib_client_drives_the_admin_api()
    {
        await using var tool = await MockKitProcess.StartAsync("--admin-token", "py-token");
        var result = await ExternalProcess.RunAsync("python3", ["-c", Client, tool.Url.ToString()]);
        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ShouldContain("python admin client: ok");
    }
}
