{#- snom-general.xml: what every base of this plugin shares, read before
    its own file. Every account is switched off here and switched on again
    by the base's file when configured. Handsets register with the base
    code 0000 while the base is in autoprov; a configured account then asks
    for its own code (the account number on four digits). -#}
<?xml version="1.0" encoding="utf-8"?>
<settings>
  <phone-settings>
    <auto_dect_register>on</auto_dect_register>
    <ac_code>0000</ac_code>
    <pnp_config>off</pnp_config>
    <network_id_port>5060</network_id_port>
{%- for idx in range(1, XX_accounts + 1) %}
    <user_active idx="{{ idx }}">off</user_active>
{%- endfor %}
  </phone-settings>
</settings>
