{{ kanta_read_raw(source('shop', 'erasure_requests')) }}
