-- 12345 work orders: typed, folded, redacted. Input `stg_e` (raw_* text + enum_* values).
CREATE OR REPLACE TEMP VIEW n_typed AS
SELECT s.* EXCLUDE (address_part, room_part, content_hit),
       raw_ticket_id                  AS ticket_id,
       parse_ts(raw_received_at)            AS received_at,
       enum_request_type                    AS request_type,
       scrub_if(raw_content, content_hit)   AS content,
       with_rooms_if(raw_content, content_hit) AS content_with_rooms,
       address_part                         AS address,
       room_part                            AS room,
       raw_neighbourhood              AS neighbourhood_given,
       scrub(raw_handling_unit)             AS handling_unit,
       parse_ts(raw_due_at)                 AS due_at,
       raw_due_at IS NOT NULL               AS due_at_given,
       parse_ts(raw_closed_at)              AS closed_at,
       coalesce(enum_status, CASE WHEN raw_status IS NULL AND parse_ts(raw_closed_at) IS NOT NULL
                                  THEN 'closed' END, CASE WHEN raw_status IS NULL THEN 'in_progress' END) AS status,
       nullif(enum_satisfaction, '')        AS satisfaction,
       CAST(nullif(enum_first_contact, '') AS BOOLEAN) AS first_contact,
       enum_channel                         AS channel,
       raw_repeat_of                  AS repeat_of,
       mask_phone(raw_caller_phone)         AS caller_phone_masked,
       TRY_CAST(raw_lon AS DOUBLE)    AS lon,
       TRY_CAST(raw_lat AS DOUBLE)    AS lat,
       enum_crs                             AS crs,
       -- filled by derive.derive_tickets (classifier, working-day calendar)
       CAST(NULL AS BOOLEAN) AS epidemic_related, CAST(NULL AS VARCHAR) AS topic,
       CAST(NULL AS INTEGER) AS faq_question, CAST(NULL AS VARCHAR) AS topic_words,
       CAST(NULL AS DOUBLE) AS topic_confidence
FROM (SELECT *, needs_scrub(raw_content) AS content_hit
      FROM stg_e) s;
