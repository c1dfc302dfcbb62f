"""An independent WebSocket client for the interop test: python3-websockets against MockWebServer.

Usage: websocket_client.py URL. Sends a text message, a binary message and a fragmented text
message, prints each echo as a line, then closes with 4000 "bye" and prints the close code.
"""
import asyncio
import sys

import websockets


async def main(url):
    async with websockets.connect(url, subprotocols=["echo.v1"], open_timeout=10, close_timeout=10) as ws:
        print("subprotocol", ws.subprotocol)
        await ws.send("hello")
        print("text", await ws.recv())
        await ws.send(b"\x00\x01\xff")
        print("binary", (await ws.recv()).hex())
        await ws.send(["frag", "mented"])  # One message in two frames (RFC 6455 section 5.4).
        print("fragmented", await ws.recv())
        await ws.close(code=4000, reason="bye")
        print("closed", ws.close_code, ws.close_reason)


asyncio.run(asyncio.wait_for(main(sys.argv[1]), 20))
