-- kaohe 0.2: what reading a workbook gave, kept by the store (a folder desk keeps it in readings/), so that a
-- workbook one process read is read by no other: the key is the file's SHA-256, the targets' fingerprint and
-- the kind of reading; the body, the reading as kaohe keeps it.
CREATE TABLE IF NOT EXISTS readings (key TEXT PRIMARY KEY, body {bytes} NOT NULL, at TEXT NOT NULL)
