{#- Fanvil/F0V0<model>00000.cfg: where a V phone looks for firmware
    (the notes of common/firmware-note.tpl, under Fanvil/). -#}
<?xml version="1.0" encoding="UTF-8"?>
<sysConf>
  <Version>2.0000000000</Version>
  <fwCheck>
{%- if XX_server_url %}
    <EnableAutoUpgrade>1</EnableAutoUpgrade>
    <UpgradeServer1>{{ XX_server_url|e }}/Fanvil</UpgradeServer1>
{%- else %}
    <EnableAutoUpgrade>0</EnableAutoUpgrade>
    <UpgradeServer1></UpgradeServer1>
{%- endif %}
    <UpgradeServer2></UpgradeServer2>
    <AutoUpgradeInterval>24</AutoUpgradeInterval>
  </fwCheck>
</sysConf>
