{#- The ATA190's second port: the model template (port 1's) with line 2. -#}
{%- set XX_second_line_ata = true %}
{%- include 'ATA190.tpl' %}
