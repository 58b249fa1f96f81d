"""The board's server: `streamlit run board_server.py` serves board.py (Streamlit's st.App)
plus one route of our own, where a browser that has just signed in claims its session
cookie. The cookie is set by an HTTP response, so it can be HttpOnly (page scripts never
read it), signed, and SameSite=Strict; a websocket — where the sign-in form runs — cannot
set a cookie at all. `streamlit run board.py` still serves the board, but a sign-in there
lasts only as long as the browser tab."""
import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from boardkit.app import sessions


async def claim_session(request: Request) -> Response:
    """POST the one-time hand-off token; 204 with the cookie, or 403."""
    token = (await request.body())[:200].decode("ascii", "replace")
    session_id = await run_in_threadpool(sessions.claim, token)
    if session_id is None:
        return Response(status_code=403)
    answer = Response(status_code=204, headers={"Cache-Control": "no-store"})
    answer.set_cookie(sessions.COOKIE, sessions.cookie_value(session_id), path="/", httponly=True,
                      samesite="strict", secure=request.url.scheme == "https")
    return answer


app = st.App("board.py", routes=[Route(sessions.CLAIM_PATH, claim_session, methods=["POST"])])
