{#-
  Statistics of campaign_results (SPEC section 3, "Activation marts"): the rate of a group
  and the normal-approximation interval for the difference of two proportions.
-#}

{#- numerator / denominator as a double; null when the denominator is 0 (an empty group), on
    every engine (Spark in ANSI mode fails on a division by zero). -#}
{% macro kanta_safe_ratio(numerator, denominator) -%}
  case
    when {{ denominator }} <> 0
      then cast({{ numerator }} as double) / cast({{ denominator }} as double)
  end
{%- endmacro %}


{#- Half-width of the interval for p1 - p2, the rates of two independent groups of n1 and n2:
    z * sqrt(p1 (1 - p1) / n1 + p2 (1 - p2) / n2) (Wald interval, unpooled). z = 1.96 is the
    97.5% quantile of the standard normal distribution: a two-sided 95% interval. Null when
    either group is empty. With both rates 0 or 1 the width is 0 (the approximation needs
    enough conversions and non-conversions in each group to be meaningful). -#}
{% macro kanta_proportion_difference_margin(p1, n1, p2, n2, z=1.96) -%}
  case
    when {{ n1 }} > 0 and {{ n2 }} > 0
      then {{ z }} * sqrt(
        {{ p1 }} * (1 - {{ p1 }}) / cast({{ n1 }} as double)
        + {{ p2 }} * (1 - {{ p2 }}) / cast({{ n2 }} as double)
      )
  end
{%- endmacro %}
