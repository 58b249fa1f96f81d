-- Work-resumption applications and staff reports.
CREATE OR REPLACE TEMP VIEW n_typed AS
SELECT s.* EXCLUDE (address_part, room_part),
       id_text(raw_uscc)                     AS uscc,
       raw_name                        AS name,
       raw_industry                    AS industry,
       address_part                          AS address,
       room_part                             AS room,
       raw_neighbourhood               AS neighbourhood_given,
       parse_int(raw_employees_total)        AS employees_total,
       parse_int(raw_employees_from_outside) AS employees_from_outside,
       parse_int(raw_employees_on_site)      AS employees_on_site,
       coalesce(enum_application_status, CASE WHEN raw_application_status IS NULL THEN 'not_applied' END) AS application_status,
       parse_date(raw_applied_on)            AS applied_on,
       parse_date(raw_reviewed_on)           AS reviewed_on,
       parse_date(raw_resumed_on)            AS resumed_on,
       mask_phone(raw_contact_phone)         AS contact_phone_masked,
       CAST(enum_utensil_pledge AS BOOLEAN)  AS utensil_pledge,
       TRY_CAST(raw_lon AS DOUBLE)     AS lon,
       TRY_CAST(raw_lat AS DOUBLE)     AS lat,
       enum_crs                              AS crs
FROM stg_e s;
