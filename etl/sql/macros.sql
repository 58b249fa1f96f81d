-- Text folding and parsing shared by every source's normalisation.

-- Full-width digits, letters and punctuation to half-width; trim; collapse spaces; '' -> NULL.
CREATE OR REPLACE TEMP MACRO fold(x) AS nullif(trim(regexp_replace(translate(CAST(x AS VARCHAR),
    '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ（）：－／．，　',
    '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz():-/., '), '\s+', ' ', 'g')), '');

-- The key an enumeration word is matched by.
CREATE OR REPLACE TEMP MACRO enum_key(x) AS lower(replace(fold(x), ' ', ''));

-- Dates and times as clerks type them -> one shape strptime knows.
CREATE OR REPLACE TEMP MACRO ts_text(x) AS rtrim(regexp_replace(regexp_replace(
    replace(replace(replace(replace(replace(replace(fold(x), '年', '-'), '月', '-'), '日', ' '),
            '时', ':'), '分', ':'), '秒', ''),
    '[/.]', '-', 'g'), '\s+', ' ', 'g'), ': ');

CREATE OR REPLACE TEMP MACRO parse_ts(x) AS CASE
    -- Excel serial day numbers (1954-2119), with or without a time fraction.
    WHEN regexp_full_match(fold(x), '[2-7]\d{4}(\.\d+)?')
        THEN TIMESTAMP '1899-12-30' + to_microseconds(CAST(round(CAST(fold(x) AS DOUBLE) * 86400000000) AS BIGINT))
    ELSE try_strptime(ts_text(x), ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d',
                                   '%Y-%m-%dT%H:%M:%S', '%Y%m%d', '%Y%m%d %H:%M:%S', '%Y%m%d %H:%M',
                                   '%Y-%m-%d %H:%M:%S.%f'])
END;

CREATE OR REPLACE TEMP MACRO parse_date(x) AS CAST(parse_ts(x) AS DATE);

CREATE OR REPLACE TEMP MACRO parse_int(x) AS TRY_CAST(TRY_CAST(replace(fold(x), ',', '') AS DOUBLE) AS INTEGER);

-- Identifiers: no spaces, upper case (a lowercase x check digit is common).
CREATE OR REPLACE TEMP MACRO id_text(x) AS upper(replace(fold(x), ' ', ''));
CREATE OR REPLACE TEMP MACRO digits(x) AS nullif(regexp_replace(fold(x), '[^0-9]', '', 'g'), '');

-- GB 11643: 17 digits, then the check character over weights 2^(17-i) mod 11; a real birth date.
CREATE OR REPLACE TEMP MACRO resident_id_valid(x) AS
    regexp_full_match(x, '\d{17}[\dX]')
    AND try_strptime(substr(x, 7, 8), '%Y%m%d') IS NOT NULL
    AND substr(x, 7, 8) >= '18900101'
    AND substr(x, 18, 1) = substr('10X98765432',
        1 + CAST(list_sum(list_transform(range(17),
            lambda i: CAST(substr(x, i + 1, 1) AS INTEGER) * [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2][i + 1])) % 11 AS INTEGER), 1);

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
    WHEN fold(x) IS NULL THEN NULL
    WHEN length(replace(fold(x), ' ', '')) > 2 AND left(replace(fold(x), ' ', ''), 2) IN
        ('欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '令狐', '长孙',
         '宇文', '司徒', '夏侯', '轩辕', '端木', '独孤', '南宫', '西门', '申屠', '钟离', '万俟')
        THEN left(replace(fold(x), ' ', ''), 2) || repeat('*', length(replace(fold(x), ' ', '')) - 2)
    ELSE left(replace(fold(x), ' ', ''), 1) || repeat('*', greatest(length(replace(fold(x), ' ', '')) - 1, 1)) END;

-- Free text: anything shaped like a resident ID or a mobile number is replaced by its mask.
CREATE OR REPLACE TEMP MACRO redact(x) AS regexp_replace(regexp_replace(regexp_replace(fold(x),
    '(\d{6})(?:19|20)\d{6}(\d{3}[0-9Xx])', '\1********\2', 'g'),
    '(^|[^0-9])(1[3-9]\d)\d{4}(\d{4})([^0-9]|$)', '\1\2****\3\4', 'g'),
    '(^|[^0-9])(0\d{2,3}-?)\d{3,4}(\d{4})([^0-9]|$)', '\1\2****\3\4', 'g');

-- Address split: building part, and the room that follows it (501室, 1201).
CREATE OR REPLACE TEMP MACRO split_address(x) AS
    CASE WHEN regexp_matches(fold(x), '号(楼)?.+$')
         THEN regexp_extract(replace(fold(x), ' ', ''), '^(.*?号(?:楼)?)(.*)$', ['address', 'room'])
         ELSE {'address': replace(fold(x), ' ', ''), 'room': NULL} END;

CREATE OR REPLACE TEMP MACRO name_key(x) AS
    regexp_replace(replace(fold(x), ' ', ''), '(居民区|居民委员会|居委会|居委|社区)$', '');
