{#- Fails for every combination of the columns that occurs more than once.

    Two passes, so that tables of tens of millions of rows are not grouped by their text keys:
    first the repeated 64-bit hashes of the combination (numbers: cheap to sort or group, see
    kanta_repeated_values), then, exactly, by the columns themselves but only for the rows
    whose hash occurs more than once. A hash collision
    can only add rows to the second pass, never hide a duplicate. -#}
{% test unique_combination(model, columns) %}

with

repeated_hashes as (
    {{ kanta_repeated_values(kanta_hash64(columns | join(', ')), model) }}
),

candidate_rows as (
    select {{ columns | join(', ') }}
    from {{ model }}
    where {{ kanta_hash64(columns | join(', ')) }} in (select repeated_value from repeated_hashes)
)

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from candidate_rows
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
