"""Every limit on what comes in, in one place: the README's "Limits" table lists these values (a test keeps the
two the same). Each is far above what a district sends and low enough that a hostile or broken input costs
seconds and megabytes, not the machine. Where one is met, the input gets one clear issue or error naming it.
"""

from __future__ import annotations

# ---- a workbook, before any parser sees it (workbook/guard.py) -----------------------------------------------
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 1_000
MAX_ENTRY_BYTES = 100 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
# uncompressed / compressed, for entries over RATIO_FLOOR bytes. POI uses 100:1, but a sheet of styled empty
# rows is legitimately 120:1 and more; every entry is also capped at MAX_ENTRY_BYTES and inflated under that
# budget, so the ratio only has to stop what the caps would let through cheaply.
MAX_RATIO = 1000
RATIO_FLOOR = 1024 * 1024
# calamine's cost is the grid: rows × columns up to the last filled cell. That is the limit; a long thin sheet
# or one wide row costs nothing. Rows stop at 65,536 (an .xls sheet's whole height), columns at Excel's XFD.
MAX_ROWS = 65_536
MAX_COLS = 16_384
MAX_CELLS = 1_000_000
# A merge's value is spread over at most this many cells in all (a sheet holds at most 1,000,000).
MAX_MERGED_CELLS = 2_000_000
# …but what counts is what is filled: a sheet too large only because of a few stray cells far from everything
# else (a 1 typed at ALL40000) is read without them (.xlsx, .xls), and they are named.
MAX_STRAYS = 10  # at most this many cells set aside in a sheet; more, and the sheet is really that large
STRAY_GAP = (100, 26)  # empty rows, columns between a stray and the rest
MAX_STRAY_SCAN = MAX_CELLS // 4  # filled cells a too-large sheet may hold for its strays to be looked for

# ---- reading one workbook (intake/sandbox.py) ------------------------------------------------------------------
MEMORY_BUDGET = 1536 * 1024 * 1024  # address space a worker may add to what it had when it started
MAX_SECONDS_PER_FILE = 60.0
HEADER_SEARCH_ROWS = 200  # rows searched for a table's header: a long 填表说明 block may stand above it

# ---- text files: CSV submissions and rosters (workbook/text_tables.py, intake/roster.py) -----------------------
MAX_FIELD_CHARS = 32_768  # Excel's own limit for one cell
MAX_STREETS = 10_000  # names in a roster: a district has dozens

# ---- the targets file (targets/load.py, yamlsafe.py) -------------------------------------------------------------
MAX_TARGETS_BYTES = 1_000_000
MAX_NUMBER_CHARS = 40  # the longest number a targets file may write (1e15 m² is 16 digits)

# ---- the submission desk (desk/store.py) ----------------------------------------------------------------------------
MAX_UPLOAD = 20 * 1024 * 1024  # a street's workbook is tens of kilobytes; 20 MB leaves room for pictures
MAX_VERSIONS = 200  # versions one street may keep in one period (a busy clerk sends a dozen)
MAX_STREET_BYTES = 500 * 1024 * 1024  # what one street's versions may take on disk in one period
UPLOAD_WAIT_SECONDS = 10.0  # a second upload of the same street waits this long for the first, then is refused
MIN_FREE_BYTES = 64 * 1024 * 1024  # free space the desk's disk keeps: an upload that would leave less is refused
# Everything the desk reads goes through DESK_READERS slots (None: the usable CPUs), one worker process each
# with its own budget: all of them together stay under DESK_READERS × DESK_MEMORY_BUDGET, however many
# streets upload at once. The rest wait for a slot (UPLOAD_WAIT_SECONDS is for the same street's second upload).
DESK_READERS: int | None = None
DESK_MEMORY_BUDGET = 768 * 1024 * 1024
DESK_SECONDS_PER_FILE = 30.0
# Connections (desk/connections.py): request headers complete within HEADER_SECONDS of opening or of the last
# response; a body at least MIN_BODY_BYTES_PER_SECOND once BODY_GRACE_SECONDS have passed (a 20 MB workbook
# over a 1 Mbit/s line is 125 kB/s); at most MAX_CONNECTIONS_PER_ADDRESS open from one address (a browser
# opens six), MAX_CONNECTIONS in all (past that, 503).
HEADER_SECONDS = 10.0
BODY_GRACE_SECONDS = 10.0
MIN_BODY_BYTES_PER_SECOND = 8 * 1024
MAX_CONNECTIONS_PER_ADDRESS = 32
MAX_CONNECTIONS = 500
# Evidence (佐证材料) on the desk (desk/evidence.py): a file as large as an upload; per street and period at
# most MAX_EVIDENCE_FILES pieces and MAX_EVIDENCE_BYTES in all.
MAX_EVIDENCE_FILES = 100
MAX_EVIDENCE_BYTES = 300 * 1024 * 1024
RECTIFY_DAYS = 90  # a rectification item's due date, counted from the close of its period (the bureau may move it)
