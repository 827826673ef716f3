{#- Fanvil/<mac>.cfg for the V62, V64, V65 and V67: the <sysConf> XML of
    the V series. The lines are the keys of the first side (<dssSide
    index="1">); function keys fill the following sides, the model's
    keys_per_page to a side. -#}
<?xml version="1.0" encoding="UTF-8"?>
<sysConf>
  <Version>2.0000000000</Version>
{%- if XX_fw_filename and XX_server_url %}
  <fwCheck>
    <EnableAutoUpgrade>1</EnableAutoUpgrade>
    <UpgradeServer1>{{ XX_server_url|e }}/Fanvil</UpgradeServer1>
    <UpgradeServer2></UpgradeServer2>
    <AutoUpgradeInterval>24</AutoUpgradeInterval>
  </fwCheck>
{%- endif %}
{%- include 'sysconf-body.tpl' %}
  <dsskey>
    <dssSide index="1">
{%- for no in sip_lines %}
      <Fkey index="{{ no|e }}">
        <Type>2</Type>
        <Value>SIP{{ no|e }}</Value>
        <Title></Title>
      </Fkey>
{%- endfor %}
    </dssSide>
{%- if XX_paginated_fkeys %}
    <FuncKeyPageNum>{{ XX_max_page|e }}</FuncKeyPageNum>
{%- for page, index, key in XX_paginated_fkeys %}
{%- if index == 1 or loop.first %}
{%- if not loop.first %}
    </dssSide>
{%- endif %}
    <dssSide index="{{ (page + 1)|e }}">
{%- endif %}
      <Fkey index="{{ index|e }}">
        <Type>{{ key.type|e }}</Type>
        <Value>{{ key.value|e }}</Value>
        <Title>{{ key.title|e }}</Title>
      </Fkey>
{%- if loop.last %}
    </dssSide>
{%- endif %}
{%- endfor %}
{%- endif %}
{%- if XX_xivo_phonebook_url %}
    <dssSoft index="1">
      <Type>21</Type>
      <Value>{{ XX_xivo_phonebook_url|e }}</Value>
      <Title>{{ (XX_directory or 'Directory')|e }}</Title>
    </dssSoft>
{%- endif %}
  </dsskey>
</sysConf>
