-- Door-sensor and doorbell alarms.
CREATE OR REPLACE TEMP VIEW n_typed AS
WITH typed AS (
    SELECT s.*,
           id_text(raw_device_id)              AS device_id,
           enum_device_type                    AS device_type,
           enum_alarm_type                     AS alarm_type,
           parse_ts(raw_raised_at)             AS raised_at,
           split_address(raw_address).address  AS address,
           split_address(raw_address).room     AS room,
           raw_neighbourhood             AS neighbourhood_given,
           coalesce(enum_status, 'open')       AS status,
           mask_name(raw_handled_by)           AS handled_by_masked,
           parse_ts(raw_handled_at)            AS handled_at,
           redact(raw_note)                    AS note
    FROM stg_e s)
SELECT t.*,
       coalesce(raw_alarm_id,
                device_id || '-' || strftime(raised_at, '%Y%m%d%H%M%S') || '-' || coalesce(alarm_type, 'unknown')) AS alarm_id,
       CASE WHEN status IN ('handled', 'false_alarm') AND handled_at >= raised_at
            THEN date_diff('second', raised_at, handled_at) / 60.0 END AS response_minutes
FROM typed t;
