"""The wall screen's geometry and stylesheet.

Every panel is placed with `position: fixed` in viewport units, so the layout is the
same at 1366×768, 1920×1080 and 3840×2160, and nothing Streamlit wraps around an element
can push it or make the page scroll. Type is sized in `--u` (1vh on a 16:9 wall, never
wider than the width allows): the smallest text is 2.1u, about 23 px at 1080p, which is
readable from five metres on a wall-sized panel.
"""
from __future__ import annotations

from dataclasses import dataclass

# One screen unit (u) as a fraction of the viewport: 1vh, or 0.5625vw on a wall that is
# narrower than 16:9 (so nothing overflows sideways).
U_PER_VW = 16 / 9


@dataclass(frozen=True)
class Box:
    left: float   # vw
    top: float    # vh
    width: float  # vw
    height: float  # vh

    @property
    def style(self) -> str:
        return f"left:{self.left}vw;top:{self.top}vh;width:{self.width}vw;height:{self.height}vh"

    def inner(self, header: float = 4.2, pad: float = 1.0) -> tuple[float, float]:
        """The drawing area below a panel's title, in u (for an SVG viewBox)."""
        return round(self.width * U_PER_VW - 2 * pad, 2), round(self.height - header - 2 * pad, 2)


# The header band is shared by every view (the duty line under it: who is on duty now);
# a view is the rest of the screen.
HEADER = {"title": Box(1, 1, 25, 7), "freshness": Box(27, 1, 48, 7), "clock": Box(76, 1, 23, 7),
          "duty": Box(1, 8.6, 98, 3.6)}
KPI_BOX = Box(1, 13, 98, 15)

# name -> (title, KPI keys, {panel: (box, options)})
VIEWS = {
    "overview": ("综合态势", (
        "hotline_received", "epidemic_share", "hotline_overdue", "home_quarantine",
        "central_quarantine", "alarm_unhandled", "alarm_past_threshold", "enterprise_approved"), {
        "map": (Box(1, 29, 36, 70), {}),
        "trend": (Box(38, 29, 35, 35), {}),
        "quarantine": (Box(38, 65, 35, 34), {"rows": 8}),
        "ticker": (Box(74, 29, 25, 41), {"rows": 20}),
        "enterprises": (Box(74, 71, 25, 28), {"detail": 0}),
    }),
    "alarms": ("门磁报警与隔离", (
        "alarm_alarms", "alarm_door_open", "alarm_unhandled", "alarm_past_threshold", "median_response",
        "arrivals", "home_quarantine", "ending_next_day"), {
        "ticker": (Box(1, 29, 36, 70), {"rows": 30}),
        "map": (Box(38, 29, 33, 70), {}),
        "quarantine": (Box(72, 29, 27, 70), {"rows": 22}),
    }),
    "hotline": ("12345工单与企业复工", (
        "hotline_received", "epidemic_share", "hotline_open", "hotline_overdue", "on_time_rate",
        "enterprise_approved", "enterprise_pending", "enterprise_pending_past_threshold"), {
        "trend": (Box(1, 29, 60, 70), {}),
        "enterprises": (Box(62, 29, 37, 70), {"detail": 16}),
    }),
}
PANELS = ("clock", "freshness", "duty", "kpis", "map", "trend", "ticker", "quarantine", "enterprises")

FONT = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif'
DIGITS = '"DejaVu Sans Mono", "Liberation Mono", monospace'

BASE_CSS = """
:root { --u: min(1vh, 0.5625vw); --bg: #050b1a; --panel: rgba(16, 34, 66, .78); --line: #1f4f8f;
  --text: #e8eef9; --dim: #8fa6c7; --red: #ff5a4f; --amber: #ffb020; --green: #2fd27a; --cyan: #4fd8ff; }
/* Streamlit's chrome: none of it on a wall. */
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="collapsedControl"], [data-testid="stSidebarNav"], [data-testid="stStatusWidget"],
[data-testid="stMainMenu"], [data-testid="stAppDeployButton"], [data-testid="stBottom"], footer { display: none !important; }
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] { background: var(--bg) !important; }
[data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0 !important; }
/* When the server is away Streamlit opens an English "Connection error" modal over a dimmed
   page (and reconnects by itself when the server is back): on a wall, keep the data and
   show our own notice instead. */
body > [data-testid="stDialog"] { display: none !important; }
.scr-offline { display: none; position: fixed; left: 50vw; transform: translateX(-50%); bottom: 2vh; z-index: 10; white-space: nowrap;
  padding: calc(.6 * var(--u)); border-radius: calc(.6 * var(--u)); background: rgba(217, 48, 37, .92); color: #fff;
  font-size: calc(2.6 * var(--u)); font-family: @FONT@; box-shadow: 0 0 calc(2 * var(--u)) rgba(0, 0, 0, .6); }
body:has([data-testid="stDialog"]) .scr-offline { display: flex; }
/* A fragment rerun must not dim the screen (the "stale" fade). */
[data-stale="true"], [data-stale="true"] * { opacity: 1 !important; transition: none !important; }
.scr-panel { position: fixed; box-sizing: border-box; padding: calc(1 * var(--u)); overflow: hidden;
  background: var(--panel); border: 1px solid var(--line); border-radius: calc(.6 * var(--u));
  box-shadow: inset 0 0 calc(2 * var(--u)) rgba(79, 216, 255, .12); color: var(--text); font-family: @FONT@;
  font-size: calc(2.2 * var(--u)); line-height: 1.25; display: flex; flex-direction: column; }
.scr-h { margin: 0 0 calc(.6 * var(--u)) 0; padding: 0; font-size: calc(2.6 * var(--u)); line-height: calc(3.6 * var(--u));
  height: calc(3.6 * var(--u)); font-weight: 700; color: var(--cyan); white-space: nowrap; overflow: hidden;
  display: flex; justify-content: space-between; align-items: baseline; gap: calc(1.5 * var(--u)); font-family: @FONT@; }
.scr-h > span { flex: none; }
.scr-h small { font-size: calc(2.1 * var(--u)); color: var(--dim); font-weight: 400; overflow: hidden; text-overflow: ellipsis; }
.scr-body { flex: 1; min-height: 0; position: relative; display: flex; flex-direction: column; }
.scr-body > .scr-svg { flex: 1; min-height: 0; height: auto; }
.scr-plain { background: none; border: none; box-shadow: none; padding: 0; justify-content: center; }
.scr-h1 { margin: 0; padding: 0; font-size: calc(3.6 * var(--u)); line-height: 1.1; font-weight: 800; color: #fff;
  letter-spacing: .06em; font-family: @FONT@; text-shadow: 0 0 calc(1.2 * var(--u)) rgba(79, 216, 255, .6); }
.scr-sub { margin: calc(.4 * var(--u)) 0 0 0; font-size: calc(2.1 * var(--u)); color: var(--dim); }
/* Clock: the time, and beside it the date and how far the data goes */
.scr-clock { flex-direction: row; align-items: center; justify-content: flex-end; gap: calc(1.2 * var(--u)); }
.scr-time { font-family: @DIGITS@; font-size: calc(5.2 * var(--u)); line-height: 1; color: #fff; font-weight: 700; }
.scr-time .colon { animation: scr-blink 1s steps(1) infinite; }
.scr-date { display: flex; flex-direction: column; font-size: calc(2.1 * var(--u)); line-height: 1.3; color: var(--dim); white-space: nowrap; }
.scr-date .replay { color: var(--amber); }
@keyframes scr-blink { 50% { opacity: .15; } }
/* Freshness chips */
.scr-fresh { flex-direction: row; gap: calc(.8 * var(--u)); align-items: stretch; }
.scr-chip { flex: 1; border: 1px solid var(--line); border-radius: calc(.5 * var(--u)); padding: calc(.3 * var(--u)) calc(.8 * var(--u));
  background: rgba(47, 210, 122, .10); display: flex; flex-direction: column; justify-content: center; min-width: 0;
  font-size: calc(2.1 * var(--u)); line-height: 1.25; white-space: nowrap; overflow: hidden; }
.scr-chip div { display: flex; justify-content: space-between; gap: .4em; }
.scr-chip b { color: var(--text); font-weight: 400; }
.scr-chip .age { color: var(--green); }
.scr-chip .when { color: var(--dim); font-family: @DIGITS@; font-size: .9em; }
.scr-chip.stale { background: rgba(255, 90, 79, .22); border-color: var(--red); }
.scr-chip.stale .age { color: var(--red); font-weight: 700; }
/* The duty line: role, surname, the duty phone; a red mark for a shift nobody covers */
.scr-duty { flex-direction: row; align-items: center; gap: calc(1.6 * var(--u)); padding: 0 calc(1.2 * var(--u));
  font-size: calc(2.1 * var(--u)); white-space: nowrap; }
.scr-duty .label { color: var(--cyan); font-weight: 700; }
.scr-duty .role { color: var(--dim); margin-right: .3em; }
.scr-duty .phone { margin-left: auto; font-family: @DIGITS@; color: #fff; }
.scr-duty .nobody { color: var(--amber); }
.scr-duty .gap { color: #fff; background: var(--red); border-radius: calc(.4 * var(--u)); padding: 0 calc(.6 * var(--u)); }
/* KPI counters with flip-card digits */
.scr-kpis { flex-direction: row; gap: calc(1 * var(--u)); padding: calc(.8 * var(--u)); }
.scr-kpi { flex: 1; min-width: 0; display: flex; flex-direction: column; align-items: center; justify-content: center;
  border-right: 1px solid var(--line); }
.scr-kpi:last-child { border-right: none; }
.scr-kpi .label { font-size: calc(2.2 * var(--u)); color: var(--dim); white-space: nowrap; }
.scr-kpi .value { font-family: @DIGITS@; font-size: calc(5.2 * var(--u)); line-height: 1.15; margin: calc(.4 * var(--u)) 0;
  white-space: nowrap; perspective: calc(20 * var(--u)); }
.scr-kpi .change { font-size: calc(2.1 * var(--u)); color: var(--dim); white-space: nowrap; }
.scr-kpi .change.up-bad, .scr-kpi .change.down-bad { color: var(--red); }
.scr-kpi .change.up-good, .scr-kpi .change.down-good { color: var(--green); }
.flip { display: inline-block; position: relative; min-width: .66em; margin: 0 .05em; padding: 0 .06em; text-align: center;
  color: #fff; border-radius: .1em; background: linear-gradient(#1d3766 0 50%, #142a52 50% 100%);
  box-shadow: 0 .04em .08em rgba(0, 0, 0, .6); animation: scr-flip .7s ease-out both; transform-origin: 50% 50%; }
.flip::after { content: ""; position: absolute; left: 0; right: 0; top: 50%; height: max(1px, calc(.15 * var(--u)));
  background: rgba(0, 0, 0, .55); }
.flip.sep { background: none; box-shadow: none; min-width: 0; margin: 0; padding: 0; font-size: .6em; color: var(--dim); }
.flip.sep::after { display: none; }
@keyframes scr-flip { 0% { transform: rotateX(90deg); } 100% { transform: rotateX(0); } }
/* SVG panels */
.scr-svg { width: 100%; height: 100%; display: block; font-family: @FONT@; }
.scr-svg text { dominant-baseline: middle; fill: var(--text); font-family: @FONT@; }
.scr-svg text.axis, .scr-svg text.legend { fill: var(--dim); }
.scr-svg text.share { fill: #fdd663; }
.scr-svg .grid { stroke: rgba(143, 166, 199, .25); stroke-width: .12; }
.scr-svg .share-line { fill: none; stroke-width: .35; stroke-linejoin: round; }
.scr-svg .nb { stroke: rgba(255, 255, 255, .85); stroke-width: .18; }
.scr-svg .nb-red { fill: rgba(255, 90, 79, .62); } .scr-svg .nb-amber { fill: rgba(255, 176, 32, .55); }
.scr-svg .nb-green { fill: rgba(47, 210, 122, .32); } .scr-svg .nb-none { fill: rgba(143, 166, 199, .2); }
.scr-svg .nb-name { text-anchor: middle; font-weight: 700; paint-order: stroke; stroke: rgba(0, 0, 0, .55); stroke-width: .3; }
.scr-svg .nb-badge { fill: #d93025; stroke: #fff; stroke-width: .2; }
.scr-svg .cam { stroke: #050b1a; stroke-width: .12; } .scr-svg .cam-online { fill: var(--cyan); }
.scr-svg .cam-offline { fill: var(--red); stroke: #fff; stroke-width: .18; } .scr-svg a .cam { cursor: pointer; }
.scr-svg .nb-count { text-anchor: middle; font-weight: 800; fill: #fff; font-family: @DIGITS@; }
.scr-legend { display: flex; gap: calc(1.2 * var(--u)); font-size: calc(2.1 * var(--u)); color: var(--dim); }
.dot { display: inline-block; width: .7em; height: .7em; border-radius: 50%; margin-right: .25em; }
/* Alarm ticker */
.scr-latest { display: grid; grid-template-columns: 3.2em 1fr auto; gap: .6em; align-items: center; padding: .25em .4em;
  border: 1px solid var(--red); border-radius: calc(.4 * var(--u)); background: rgba(255, 90, 79, .15); margin-bottom: .35em; }
.scr-rows { overflow: hidden; position: relative; flex: 1; min-height: 0; }
.scr-track.scrolling { animation-name: scr-scroll; animation-timing-function: linear; animation-iteration-count: infinite; }
@keyframes scr-scroll { from { transform: translateY(0); } to { transform: translateY(-50%); } }
.scr-row { display: grid; grid-template-columns: 3.2em 4.6em 2.6em 1fr; gap: .5em; align-items: center; height: 1.7em;
  border-bottom: 1px solid rgba(31, 79, 143, .5); white-space: nowrap; }
.scr-loop { height: 1.7em; line-height: 1.7em; text-align: center; color: var(--dim); }
.scr-row .t, .scr-latest .t { font-family: @DIGITS@; color: var(--cyan); }
.scr-row .m { text-align: right; color: var(--dim); overflow: hidden; }
.scr-row .m.red, .scr-latest .m.red { color: var(--red); font-weight: 700; }
.scr-row .m.amber { color: var(--amber); font-weight: 700; }
.scr-row.fresh { animation: scr-pulse 1.6s ease-in-out infinite; }
@keyframes scr-pulse { 50% { background: rgba(255, 90, 79, .25); } }
.scr-ticker.large { font-size: calc(2.5 * var(--u)); }
/* Bars (quarantine, enterprises) */
.scr-bars { display: flex; flex-direction: column; justify-content: space-around; flex: 1; min-height: 0; }
.scr-bar { display: grid; grid-template-columns: 4.6em 1fr 2.4em; gap: .5em; align-items: center; white-space: nowrap; }
.scr-bar .track { display: flex; height: .9em; background: rgba(143, 166, 199, .12); border-radius: .15em; overflow: hidden; }
.scr-bar .track i { display: block; height: 100%; }
.scr-bar .n { font-family: @DIGITS@; text-align: right; }
.scr-progress { height: 2.2em; border-radius: .3em; background: rgba(143, 166, 199, .15); overflow: hidden; display: flex; margin: .3em 0; }
.scr-progress i { display: block; height: 100%; }
.scr-big { font-family: @DIGITS@; font-size: calc(4.6 * var(--u)); color: #fff; font-weight: 700; }
.scr-stats { display: flex; flex-wrap: wrap; gap: .3em 1.1em; }
.scr-stats b { font-family: @DIGITS@; color: #fff; }
.scr-note { color: var(--dim); font-size: calc(2.1 * var(--u)); }
.scr-error { color: var(--amber); }
""".replace("@FONT@", FONT).replace("@DIGITS@", DIGITS)


def rotation_hold_css(names: list[str]) -> str:
    """Until the rotation starts, only the first view shows."""
    return "".join(f".st-key-screen-view-{name} {{ visibility: hidden; }}" for name in names[1:]) + (
        '[class*="st-key-screen-view-"] * { visibility: inherit !important; }')


def rotation_css(names: list[str], seconds: int, phase: float = 0.0) -> str:
    """Each view visible for `seconds`, in turn, by CSS alone: no server round trip and
    nothing kept per session. A CSS animation starts when its rule first applies, so this
    stylesheet goes out after every view exists: they all start together. `phase` (the wall
    clock modulo the cycle) keeps screens side by side in step."""
    n = len(names)
    cycle = n * seconds
    share = 100 / n
    fade = min(100 / cycle, share / 4)  # about one second of cross-fade
    # Fade in over the first second of the slot while the previous view fades out.
    rules = [f"@keyframes scr-rot {{ 0% {{ opacity: 0; visibility: visible; }} {fade:.3f}% {{ opacity: 1; }} "
             f"{share:.3f}% {{ opacity: 1; visibility: visible; }} {share + fade:.3f}% {{ opacity: 0; visibility: hidden; }} "
             f"100% {{ opacity: 0; visibility: hidden; }} }}"]
    for i, name in enumerate(names):
        delay = -(((n - i) % n) * seconds + phase)
        rules.append(f".st-key-screen-view-{name} {{ animation: scr-rot {cycle}s linear {delay:.2f}s infinite; }}")
    return "\n".join(rules)
