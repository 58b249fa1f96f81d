-- Door-sensor and doorbell alarms.
CREATE OR REPLACE TEMP VIEW n_typed AS
WITH typed AS (
    SELECT s.* EXCLUDE (address_part, room_part, note_hit),
           id_text(raw_device_id)              AS device_id,
           enum_device_type                    AS device_type,
           enum_alarm_type                     AS alarm_type,
           parse_ts(raw_raised_at)             AS raised_at,
           address_part                        AS address,
           room_part                           AS room,
           raw_neighbourhood             AS neighbourhood_given,
           coalesce(enum_status, 'open')       AS status,
           mask_name(raw_handled_by)           AS handled_by_masked,
           parse_ts(raw_handled_at)            AS handled_at,
           scrub_if(raw_note, note_hit)        AS note,
           with_rooms_if(raw_note, note_hit)   AS note_with_rooms
    FROM (SELECT *, needs_scrub(raw_note) AS note_hit
          FROM stg_e) s)
SELECT t.*,
       coalesce(raw_alarm_id,
                device_id || '-' || strftime(raised_at, '%Y%m%d%H%M%S') || '-' || coalesce(alarm_type, 'unknown')) AS alarm_id,
       CASE WHEN status IN ('handled', 'false_alarm') AND handled_at >= raised_at
            THEN date_diff('second', raised_at, handled_at) / 60.0 END AS response_minutes
FROM typed t;
