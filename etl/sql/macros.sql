-- Text folding and parsing shared by every source's normalisation.

-- Every raw cell is folded once, at staging (readers.py); the macros below take folded text.
-- Full-width digits, letters and space to half-width; trim; collapse runs of spaces, tabs and
-- line breaks; '' -> NULL. In dates, times, numbers and codes (fold) the marks －／．： too;
-- in free text (fold_text: a ticket's content, an address, a name) they are punctuation and
-- stay as written, as do ， and （）. Cost matters (every cell passes here once): one regular
-- expression tells the cells that need anything; only those pay for the rest, and only
-- full-width text for translate(), which is slow (~3 µs a cell).
CREATE OR REPLACE TEMP MACRO fold_chars(x, marks, from_chars, to_chars) AS CASE
    WHEN NOT regexp_matches(x, '^\s|\s$|' || marks || '|\s\s|[\t\r\n]') THEN nullif(x, '')
    ELSE nullif(trim(regexp_replace(
        CASE WHEN regexp_matches(x, marks) THEN translate(x, from_chars, to_chars) ELSE x END,
        '\s+', ' ', 'g')), '') END;
CREATE OR REPLACE TEMP MACRO fold(x) AS fold_chars(x,
    '[\x{3000}\x{FF0D}-\x{FF1A}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}]',
    '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ－／．：　',
    '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-/.: ');
CREATE OR REPLACE TEMP MACRO fold_text(x) AS fold_chars(x,
    '[\x{3000}\x{FF10}-\x{FF19}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}]',
    '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ　',
    '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ');

-- Does a row (its cells joined by chr(31)) have a cell fold() / fold_text() would change?
-- One test a row instead of one a cell: ~0.15 s less on 400,000 rows of 13 cells.
CREATE OR REPLACE TEMP MACRO needs_fold(row_text) AS regexp_matches(row_text,
    '[\x{3000}\x{FF0D}-\x{FF1A}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}]|\s\s|[\t\r\n]|^\s|\s$|\s\x{1F}|\x{1F}\s');
CREATE OR REPLACE TEMP MACRO needs_fold_text(row_text) AS regexp_matches(row_text,
    '[\x{3000}\x{FF10}-\x{FF19}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}]|\s\s|[\t\r\n]|^\s|\s$|\s\x{1F}|\x{1F}\s');

-- The key an enumeration word is matched by.
CREATE OR REPLACE TEMP MACRO enum_key(x) AS lower(replace(x, ' ', ''));

-- Dates and times as clerks type them -> one shape strptime knows.
CREATE OR REPLACE TEMP MACRO ts_text(x) AS rtrim(regexp_replace(regexp_replace(
    replace(replace(replace(replace(replace(replace(x, '年', '-'), '月', '-'), '日', ' '),
            '时', ':'), '分', ':'), '秒', ''),
    '[/.]', '-', 'g'), '\s+', ' ', 'g'), ': ');

-- The common ISO shapes first (cheap); only what they miss goes through ts_text.
CREATE OR REPLACE TEMP MACRO parse_ts(x) AS coalesce(
    try_strptime(x, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d']),
    CASE
    -- Excel serial day numbers (1954-2119), with or without a time fraction.
    WHEN regexp_full_match(x, '[2-7]\d{4}(\.\d+)?')
        THEN TIMESTAMP '1899-12-30' + to_microseconds(CAST(round(CAST(x AS DOUBLE) * 86400000000) AS BIGINT))
    ELSE try_strptime(ts_text(x), ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d',
                                   '%Y-%m-%dT%H:%M:%S', '%Y%m%d', '%Y%m%d %H:%M:%S', '%Y%m%d %H:%M',
                                   '%Y-%m-%d %H:%M:%S.%f'])
    END);

CREATE OR REPLACE TEMP MACRO parse_date(x) AS CAST(parse_ts(x) AS DATE);

-- Thousands separators (1,200) and stray spaces inside the number (1 200) are dropped.
CREATE OR REPLACE TEMP MACRO parse_int(x) AS TRY_CAST(TRY_CAST(regexp_replace(x, '[, ]', '', 'g') AS DOUBLE) AS INTEGER);

-- Identifiers: no spaces, upper case (a lowercase x check digit is common).
CREATE OR REPLACE TEMP MACRO id_text(x) AS upper(replace(x, ' ', ''));
CREATE OR REPLACE TEMP MACRO digits(x) AS nullif(regexp_replace(x, '[^0-9]', '', 'g'), '');

-- GB 11643: 17 digits, then the check character over weights 2^(17-i) mod 11; a real birth date.
CREATE OR REPLACE TEMP MACRO resident_id_valid(x) AS
    regexp_full_match(x, '\d{17}[\dX]')
    AND try_strptime(substr(x, 7, 8), '%Y%m%d') IS NOT NULL
    AND substr(x, 7, 8) >= '18900101'
    AND substr(x, 18, 1) = substr('10X98765432',
        1 + CAST(list_sum(list_transform(range(17),
            lambda i: coalesce(TRY_CAST(substr(x, i + 1, 1) AS INTEGER), 0) * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][i + 1])) % 11 AS INTEGER), 1);

-- GB 32100 (统一社会信用代码): 18 characters from a 31-letter alphabet, check character last.
CREATE OR REPLACE TEMP MACRO uscc_valid(x) AS
    regexp_full_match(x, '[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}')
    AND substr(x, 18, 1) = substr('0123456789ABCDEFGHJKLMNPQRTUWXY',
        1 + CAST((31 - list_sum(list_transform(range(17),
            lambda i: (instr('0123456789ABCDEFGHJKLMNPQRTUWXY', substr(x, i + 1, 1)) - 1)
                 * [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28][i + 1])) % 31) % 31 AS INTEGER), 1);

-- Masked display forms (data-contract.md): 310115********1234, 138****5678, 张*, 欧阳**.
CREATE OR REPLACE TEMP MACRO mask_id(x) AS CASE
    WHEN x IS NULL THEN NULL
    WHEN length(x) = 18 THEN substr(x, 1, 6) || '********' || substr(x, 15, 4)
    WHEN length(x) = 15 THEN substr(x, 1, 6) || '*****' || substr(x, 12, 4)
    WHEN length(x) > 4 THEN substr(x, 1, 2) || repeat('*', length(x) - 4) || right(x, 2)
    ELSE repeat('*', length(x)) END;
CREATE OR REPLACE TEMP MACRO mask_phone(x) AS CASE
    WHEN digits(x) IS NULL THEN NULL
    WHEN length(digits(x)) >= 8 THEN left(digits(x), length(digits(x)) - 8) || '****' || right(digits(x), 4)
    ELSE repeat('*', length(digits(x))) END;
CREATE OR REPLACE TEMP MACRO mask_name(x) AS CASE
    WHEN x IS NULL THEN NULL
    WHEN length(replace(x, ' ', '')) > 2 AND left(replace(x, ' ', ''), 2) IN
        ('欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '令狐', '长孙',
         '宇文', '司徒', '夏侯', '轩辕', '端木', '独孤', '南宫', '西门', '申屠', '钟离', '万俟')
        THEN left(replace(x, ' ', ''), 2) || repeat('*', length(replace(x, ' ', '')) - 2)
    ELSE left(replace(x, ' ', ''), 1) || repeat('*', greatest(length(replace(x, ' ', '')) - 1, 1)) END;

-- Free text: phone and ID numbers masked, room numbers marked or masked. The patterns are
-- etl/privacy.py's ({{NAME}} below is that pattern as a SQL string), the same ones the
-- notices and the purge use. Cost matters (every ticket text passes here): one regular
-- expression tells the texts that hold anything; only those pay for the rest.
-- A phone or ID number's masked form from its digits (the count tells which it is: an ID
-- never starts with 0, a landline never with 00; a mobile's +86/0086 is dropped).
CREATE OR REPLACE TEMP MACRO mask_personal_digits(d) AS CASE
    WHEN d = '' THEN ''
    WHEN length(d) = 18 OR (length(d) = 15 AND NOT starts_with(d, '0')) THEN mask_id(d)
    WHEN starts_with(d, '0') AND NOT starts_with(d, '00') THEN left(d, length(d) - 8) || '****' || right(d, 4)
    ELSE substr(d, length(d) - 10, 3) || '****' || right(d, 4) END;
-- Each personal number is cut out between two chr(30); the pieces between are kept, the
-- numbers masked. A match may take digits of a neighbouring number, so what one pass leaves
-- is looked at again (three passes: privacy.REDACT_PASSES). Costly: only for the few texts
-- that still hold a number after the common case (a mobile number on its own).
CREATE OR REPLACE TEMP MACRO redact_numbers(x) AS array_to_string(list_transform(list_transform(
        string_split(regexp_replace(replace(x, chr(30), ''), '(' || {{PERSONAL_NUMBER}} || ')',
                                    chr(30) || '\1' || chr(30), 'g'), chr(30)),
        lambda piece, i: CASE WHEN i % 2 = 0 THEN upper(regexp_replace(piece, '[^0-9Xx]', '', 'g')) ELSE piece END),
        lambda piece, i: CASE WHEN i % 2 = 0 THEN mask_personal_digits(piece) ELSE piece END), '');
CREATE OR REPLACE TEMP MACRO mobile_alone(x) AS regexp_replace(x, {{MOBILE_ALONE}}, {{MOBILE_ALONE_MASK}}, 'g');
-- Each macro below names its argument few times: every copy of a big pattern is compiled
-- when a statement is planned, and a load plans several statements a file.
-- The passes are a list_reduce over REDACT_PASSES placeholders, so the pattern is written
-- (and compiled) once, not once a pass.
CREATE OR REPLACE TEMP MACRO redact_rest(y) AS list_transform([y], lambda z: CASE WHEN regexp_matches(z, {{PERSONAL_NUMBER}})
    THEN list_reduce(list_concat([z], list_transform(range({{REDACT_PASSES}}), lambda i: '')),
                     lambda text, unused: redact_numbers(text)) ELSE z END)[1];
-- Every caller has found something in the text first (needs_scrub, has_room, the address
-- test), so the mobile-alone pass runs before any test of the whole pattern: a text without
-- a personal number passes both unchanged.
CREATE OR REPLACE TEMP MACRO redact(x) AS redact_rest(mobile_alone(x));

-- Room numbers: chr(31) put before each (after a building mark or a dash twice: a match
-- takes the character after it, which may begin the next one); masked as ***.
CREATE OR REPLACE TEMP MACRO has_room(x) AS regexp_matches(x, {{ROOM_AFTER_MARK}} || '|' || {{ROOM_BEFORE_SHI}});
CREATE OR REPLACE TEMP MACRO mark_rooms(x) AS regexp_replace(regexp_replace(regexp_replace(replace(x, chr(31), ''),
    {{ROOM_AFTER_MARK}}, '\1' || chr(31) || '\2\3\4', 'g'),
    {{ROOM_AFTER_MARK}}, '\1' || chr(31) || '\2\3\4', 'g'),
    {{ROOM_BEFORE_SHI}}, chr(31) || '\1\2', 'g');
CREATE OR REPLACE TEMP MACRO mask_rooms(x) AS regexp_replace(mark_rooms(x), '\x1f+[A-Za-z]?[0-9]*', {{ROOM_MASK}}, 'g');
CREATE OR REPLACE TEMP MACRO room_free(x) AS CASE WHEN has_room(x) THEN mask_rooms(x) ELSE x END;
-- A free text as every viewer may see it: no phone, ID or room number (`scrub`), and as
-- viewers who may see rooms see it (`with_rooms`: phone and ID numbers masked; NULL when it
-- names no room, `scrub` being all of it). `needs_scrub` tells the texts that hold either: a
-- normalisation computes it once for both (`…_if`). Rooms are masked before numbers: a
-- number's pass may take a room's digits into a longer number (1幢101 100000…). A lambda
-- over a one-element list binds a value once, where naming it twice would copy it.
CREATE OR REPLACE TEMP MACRO needs_scrub(x) AS
    regexp_matches(x, {{PERSONAL_NUMBER}} || '|' || {{ROOM_AFTER_MARK}} || '|' || {{ROOM_BEFORE_SHI}});
CREATE OR REPLACE TEMP MACRO scrub_if(x, hit) AS CASE WHEN NOT hit THEN x
    ELSE list_transform([room_free(x)], lambda y: redact(y))[1] END;
CREATE OR REPLACE TEMP MACRO with_rooms_if(x, hit) AS CASE WHEN hit AND has_room(x)
    THEN list_transform([redact(x)], lambda r: CASE WHEN has_room(r) THEN r END)[1] END;
CREATE OR REPLACE TEMP MACRO scrub(x) AS scrub_if(x, needs_scrub(x));
CREATE OR REPLACE TEMP MACRO with_rooms(x) AS with_rooms_if(x, has_room(x));

-- Address split: the building (up to the first 号, or 号楼) and the room that follows it
-- (501室, 1201); no room when nothing follows. String positions: every address of every
-- file passes here. `address_text` gives the text to split (no spaces); an address whose
-- building part holds a room (5幢301室, 5-301, 5#301室: no 号 before it) has chr(31) where
-- its first room number begins, and is split there; one holding a phone is redacted first
-- (its spaces and dashes are not a room's).
CREATE OR REPLACE TEMP MACRO building_end(y) AS
    strpos(y, '号') + CAST(substr(y, strpos(y, '号') + 1, 1) = '楼' AS INTEGER);
CREATE OR REPLACE TEMP MACRO address_text(x) AS CASE WHEN regexp_matches(x, {{ADDRESS_NEEDS_SPLIT}})
    THEN list_transform([replace(redact(x), ' ', '')], lambda y: CASE
        WHEN has_room(CASE WHEN strpos(y, '号') BETWEEN 1 AND length(y) - 1 THEN left(y, building_end(y)) ELSE y END)
        THEN mark_rooms(y) ELSE y END)[1]
    ELSE replace(x, ' ', '') END;
CREATE OR REPLACE TEMP MACRO split_address(y) AS CASE
    WHEN contains(y, chr(31)) THEN {'address': nullif(rtrim(left(y, strpos(y, chr(31)) - 1), '-－'), ''),
                                   'room': replace(substr(y, strpos(y, chr(31))), chr(31), '')}
    WHEN strpos(y, '号') BETWEEN 1 AND length(y) - 1 THEN {'address': left(y, building_end(y)),
                                                          'room': substr(y, building_end(y) + 1)}
    ELSE {'address': y, 'room': NULL} END;
-- A room the split could not cut off cleanly: text after it, a building in it, no building.
-- (A room of up to five characters, 1201室, is taken as clean without a regular expression:
-- every row of a file is checked.)
CREATE OR REPLACE TEMP MACRO room_unseparated(address, room) AS
    room IS NOT NULL AND (address IS NULL OR length(room) > 5
                          AND NOT regexp_full_match(room, '[A-Za-z]?[0-9]{1,4}室?') AND has_room(room));

CREATE OR REPLACE TEMP MACRO name_key(x) AS
    regexp_replace(replace(x, ' ', ''), '(居民区|居民委员会|居委会|居委|社区)$', '');

-- A 合计/总计/小计 row under the data is a sum, not a record.
CREATE OR REPLACE TEMP MACRO is_total_row(x) AS regexp_matches(coalesce(x, ''), '^\s*(合\s*计|总\s*计|小\s*计)');
