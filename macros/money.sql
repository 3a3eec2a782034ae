{#-
  Arithmetic that gives the same result on DuckDB and Spark, for the models to use where the
  engines' own operators differ: plain macros (no dispatch), one SQL text, equal results on
  both engines.

  Why: DuckDB divides decimals as doubles and rounds doubles from their binary value
  (159.95 / 2 = 79.975 -> 79.97), while Spark divides decimals exactly, with a limited scale,
  and rounds doubles from their shortest decimal text (79.975 -> 79.98). So
  `cast(a / b as decimal(18, 2))` and `round(x, 2)` may differ by a cent between the engines,
  and a decimal / decimal share may differ in the 10th digit.
-#}

{#- Money per unit: a money amount (decimal, at most 2 decimals) divided by a count, rounded
    to cents half away from zero, exactly (159.95 / 2 = 79.98), as decimal(18, 2). Null when
    the count is 0 or null. The half-up quotient is computed in whole cents: doubles hold
    those exactly below 2^53 cents. -#}
{% macro kanta_money_ratio(money, count) -%}
  case
    when {{ count }} <> 0
      then cast(
        cast(
          (case when ({{ money }}) < 0 then -1 else 1 end)
          * (case when ({{ count }}) < 0 then -1 else 1 end)
          * floor(
            cast(2 * abs(cast(({{ money }}) * 100 as bigint)) + abs({{ count }}) as double)
            / cast(2 * abs({{ count }}) as double)
          )
          as decimal(18, 0)
        ) * 0.01
        as decimal(18, 2)
      )
  end
{%- endmacro %}


{#- A double rounded to cents (half up), as decimal(18, 2): floor(x * 100 + 0.5) is the same
    IEEE arithmetic on every engine, unlike round(x, 2) or a cast of the double. -#}
{% macro kanta_round_money(expression) -%}
  cast(cast(floor(cast({{ expression }} as double) * 100 + 0.5) as decimal(18, 0)) * 0.01 as decimal(18, 2))
{%- endmacro %}

