{#- Fanvil/<mac>.cfg for the X U, C, X7 and X210 phones (and their Pro
    and V2 variants): the <sysConf> XML of their firmware generation.
    Keys up to the model's line keys are on the line-key side
    (<dssSide>, lines first where a line has the key's number), the
    others on the pages of the internal keys (<internal>). -#}
<?xml version="1.0" encoding="UTF-8"?>
<sysConf>
  <Version>2.0002</Version>
{%- if XX_fw_filename and XX_server_url %}
  <AUTOUPDATE_CONFIG_MODULE>
    <Download_Mode>1</Download_Mode>
    <Auto_Image_URL>{{ XX_server_url|e }}/Fanvil/firmware/{{ XX_fw_filename|e }}</Auto_Image_URL>
    <Save_Provision_Info>1</Save_Provision_Info>
  </AUTOUPDATE_CONFIG_MODULE>
{%- endif %}
{%- include 'sysconf-body.tpl' %}
  <dsskey>
{%- for page, index, key in XX_paginated_top_fkeys %}
{%- if index == 1 or loop.first %}
{%- if not loop.first %}
    </dssSide>
{%- endif %}
    <dssSide index="{{ page|e }}">
{%- endif %}
      <Fkey index="{{ index|e }}">
{%- if key.id|string in sip_lines %}
        <Type>2</Type>
        <Value>SIP{{ key.id|e }}</Value>
        <Title></Title>
{%- else %}
        <Type>{{ key.type|e }}</Type>
        <Value>{{ key.value|e }}</Value>
        <Title>{{ key.title|e }}</Title>
{%- endif %}
      </Fkey>
{%- if loop.last %}
    </dssSide>
{%- endif %}
{%- endfor %}
{%- if XX_paginated_fkeys %}
    <FuncKeyPageNum>{{ XX_max_page|e }}</FuncKeyPageNum>
{%- for page, index, key in XX_paginated_fkeys %}
{%- if index == 1 or loop.first %}
{%- if not loop.first %}
    </internal>
{%- endif %}
    <internal index="{{ page|e }}">
{%- endif %}
      <Fkey index="{{ index|e }}">
        <Type>{{ key.type|e }}</Type>
        <Value>{{ key.value|e }}</Value>
        <Title>{{ key.title|e }}</Title>
      </Fkey>
{%- if loop.last %}
    </internal>
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
