{{ kanta_read_raw(source('shop', 'consent_events')) }}
