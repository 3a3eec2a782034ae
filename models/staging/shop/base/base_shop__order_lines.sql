{{ kanta_read_raw(source('shop', 'order_lines')) }}
