-- Arrivals and quarantine reports. Person key = HMAC-SHA256(secret, id_type:id_number),
-- computed in SQL from the key's inner and outer pads, which load.py puts in the one-row
-- table _roster_params (a view cannot hold bound parameters).
CREATE OR REPLACE TEMP VIEW n_typed AS
WITH typed AS (
    SELECT s.* EXCLUDE (address_part, room_part),
           address_part                                 AS address,
           room_part                                    AS room,
           coalesce(enum_id_type, 'resident_id')         AS id_type,
           id_text(raw_id_number)                        AS id_number,
           digits(raw_phone)                             AS phone_digits,
           parse_date(raw_arrived_on)                    AS arrived_on,
           parse_date(raw_quarantine_start)              AS quarantine_start,
           parse_date(raw_quarantine_end)                AS quarantine_end_given,
           scrub(raw_origin)                             AS origin,
           coalesce(enum_reported_by, 'community')       AS reported_by,
           id_text(raw_enterprise_uscc)                  AS enterprise_uscc,
           enum_measure                                  AS measure,
           coalesce(enum_status, 'active')               AS status,
           id_text(raw_device_id)                        AS device_id
    FROM stg_e s)
SELECT t.*,
       sha256(k.opad || unhex(sha256(k.ipad || encode(id_type || ':' || coalesce(id_number, ''))))) AS person_key,
       mask_name(raw_name)                               AS name_masked,
       mask_id(id_number)                                AS id_masked,
       CASE WHEN id_type <> 'resident_id' THEN true
            ELSE resident_id_valid(id_number) END        AS id_valid,
       mask_phone(raw_phone)                             AS phone_masked,
       raw_neighbourhood                           AS neighbourhood_given,
       coalesce(quarantine_end_given,
                CASE WHEN measure IN ('home_quarantine', 'central_quarantine')
                     THEN quarantine_start + to_days(k.quarantine_days) END) AS quarantine_end,
       coalesce(nullif(regexp_extract(origin, '(北京|天津|河北|山西|内蒙古|辽宁|吉林|黑龙江|上海|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|广西|海南|重庆|四川|贵州|云南|西藏|陕西|甘肃|青海|宁夏|新疆|台湾|香港|澳门)', 1), ''),
                CASE WHEN regexp_matches(origin, '武汉|黄冈|孝感|荆州|宜昌|襄阳|十堰|随州|荆门|鄂州|咸宁|恩施') THEN '湖北'
                     WHEN regexp_matches(origin, '温州|杭州|宁波|台州|绍兴|金华') THEN '浙江'
                     WHEN regexp_matches(origin, '南京|苏州|无锡|南通|盐城|徐州') THEN '江苏'
                     WHEN regexp_matches(origin, '合肥|阜阳|安庆|六安|亳州') THEN '安徽'
                     WHEN regexp_matches(origin, '信阳|郑州|南阳|驻马店|周口|商丘') THEN '河南' END) AS origin_province
FROM typed t, _roster_params k;
