{#- Fails for every combination of the columns that occurs more than once.

    Two passes, so that tables of tens of millions of rows are not grouped by their text keys:
    first by a 64-bit hash of the combination (a number: cheap to group), then, exactly, by the
    columns themselves but only for the rows whose hash occurs more than once. A hash collision
    can only add rows to the second pass, never hide a duplicate. -#}
{% test unique_combination(model, columns) %}

with

repeated_hashes as (
    select {{ kanta_hash64(columns | join(', ')) }} as combination_hash
    from {{ model }}
    group by {{ kanta_hash64(columns | join(', ')) }}
    having count(*) > 1
),

candidate_rows as (
    select {{ columns | join(', ') }}
    from {{ model }}
    where {{ kanta_hash64(columns | join(', ')) }} in (select combination_hash from repeated_hashes)
)

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from candidate_rows
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
