-- Road cameras: the video platform's device list. The time a camera went offline is kept
-- for an offline camera only.
CREATE OR REPLACE TEMP VIEW n_typed AS
SELECT s.* EXCLUDE (address_part, room_part),
       id_text(raw_camera_id)                AS camera_id,
       raw_name                              AS name,
       address_part                          AS address,
       raw_neighbourhood                     AS neighbourhood_given,
       TRY_CAST(raw_lon AS DOUBLE)           AS lon,
       TRY_CAST(raw_lat AS DOUBLE)           AS lat,
       enum_crs                              AS crs,
       enum_online                           AS online,
       CASE WHEN enum_online = 'offline' THEN parse_ts(raw_offline_since) END AS offline_since
FROM stg_e s;
