using System.Net.WebSockets;
using MockKit.MockServer.Tests.Support;
using static MockKit.MockServer.Tests.WebSockets.WebSocketTestHandlers;

namespace MockKit.MockServer.Tests.WebSockets;

/// <summary>An independent client: python3-websockets (apt's package, installed by test.sh) against the server.</summary>
public sealed class WebSocketInteropTests
{
    [Fact]
    public async Task Python_websockets_client_talks_to_the_server()
    {
        await using var server = new MockWebServer();
        WebSocketCloseStatus? closeStatus = null;
        string? closeDescription = null;
        server.Enqueue(new MockResponse
        {
            Headers = { { "Sec-WebSocket-Protocol", "echo.v1" } },
            WebSocketHandler = async (socket, ct) =>
            {
                await EchoAsync(socket, ct);
                (closeStatus, closeDescription) = (socket.CloseStatus, socket.CloseStatusDescription);
            },
        });
        var script = Path.Combine(AppContext.BaseDirectory, "WebSockets", "websocket_client.py");

        // apt's interpreter: the package lives in its dist-packages, whatever python3 comes first on PATH.
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var result = await ExternalProcess.RunAsync(python, [script, WebSocketUrl(server, "/py").ToString()], timeout: Deadline);

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.ReplaceLineEndings("\n").ShouldBe(
            "subprotocol echo.v1\ntext hello\nbinary 0001ff\nfragmented fragmented\nclosed 4000 bye\n", result.ToString());
        closeStatus.ShouldBe((WebSocketCloseStatus)4000);
        closeDescription.ShouldBe("bye");
        server.TakeRequest().Headers["Sec-WebSocket-Protocol"].ShouldBe("echo.v1");
    }
}
