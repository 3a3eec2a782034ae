{{ kanta_read_raw(source('shop', 'customers')) }}
