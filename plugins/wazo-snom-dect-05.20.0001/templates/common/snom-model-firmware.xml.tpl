{#- snom<model>-firmware.xml: the firmware release (520, branch 1, that is
    05.20.0001) of the base and of the handsets it updates over the air.
    The base fetches the images it needs from the server root. -#}
{%- set release = 520 %}
{%- set branch = 1 -%}
<?xml version="1.0" encoding="utf-8"?>
<firmware-settings>
  <firmware>{{ XX_server_url|e }}</firmware>
  <fp_fwu_sw_version>{{ release }}</fp_fwu_sw_version>
  <fp_fwu_branch_version>{{ branch }}</fp_fwu_branch_version>
{%- for handset in ['M25', 'M65', 'M70', 'M80', 'M85', 'M90'] %}
  <pp_fwu_sw_version type="{{ handset }}">{{ release }}</pp_fwu_sw_version>
  <pp_fwu_branch_version type="{{ handset }}">{{ branch }}</pp_fwu_branch_version>
{%- endfor %}
</firmware-settings>
