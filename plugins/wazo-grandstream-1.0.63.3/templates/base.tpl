{#- cfg<mac>.xml: a Grandstream HT80x analog telephone adapter's
    configuration in the vendor's XML provisioning format, config version 1
    (<Pnnn> elements). Port FXS 1 takes SIP line 1, port FXS 2 (HT802)
    line 2; other lines have no port.

    Model templates extend this one and may fill the block
    model_settings (elements inside <config>). -#}
<?xml version="1.0" encoding="UTF-8"?>
<gs_provision version="1">
  <config version="1">
{%- if admin_password %}
    <P2>{{ admin_password|e }}</P2>
{%- endif %}
{%- if ntp_enabled and ntp_ip %}
    <P30>{{ ntp_ip|e }}</P30>
{%- endif %}
{%- if XX_timezone %}
    <P64>{{ XX_timezone|e }}</P64>
{%- endif %}
{%- if XX_locale %}
    <P1362>{{ XX_locale|e }}</P1362>
{%- endif %}
{%- if exten_pickup_call %}
    <P1347>{{ exten_pickup_call|e }}</P1347>
{%- endif %}
{%- if vlan_enabled and vlan_id %}
    <P51>{{ vlan_id|e }}</P51>
    <P87>{{ vlan_priority if vlan_priority is number else 0 }}</P87>
{%- endif %}
{%- if XX_dns_1 %}
    <P92>{{ XX_dns_1|e }}</P92>
    <P93>{{ XX_dns_2|e }}</P93>
    <P94>{{ XX_dns_3|e }}</P94>
    <P95>{{ XX_dns_4|e }}</P95>
{%- endif %}
    <P298>1</P298>
    <P290>{ [*x]+ }</P290>
    <P81>1</P81>
{#- Firmware over HTTP from this server's root, where the packages put
    it: checked every day at a random time between 23:00 and 01:00,
    installed without asking. #}
{%- if XX_server_url %}
    <P6767>1</P6767>
    <P192>{{ XX_server_url_without_scheme|e }}</P192>
{%- endif %}
    <P194>2</P194>
    <P8458>1</P8458>
    <P285>23</P285>
    <P8459>1</P8459>
    <P8375>0</P8375>
{%- for no, line in sip_lines.items() if line %}
{%- if no == '1' %}
    <P47>{{ (line.registrar_ip or line.proxy_ip)|e }}</P47>
    <P967>{{ line.backup_registrar_ip|e }}</P967>
    <P35>{{ line.username|e }}</P35>
    <P36>{{ (line.auth_username or line.username)|e }}</P36>
    <P34>{{ line.password|e }}</P34>
    <P3>{{ line.display_name|e }}</P3>
    <P191>0</P191>
    <P854>4</P854>
{%- elif no == '2' %}
    <P747>{{ (line.registrar_ip or line.proxy_ip)|e }}</P747>
    <P987>{{ line.backup_registrar_ip|e }}</P987>
    <P735>{{ line.username|e }}</P735>
    <P736>{{ (line.auth_username or line.username)|e }}</P736>
    <P734>{{ line.password|e }}</P734>
    <P703>{{ line.display_name|e }}</P703>
    <P740>5068</P740>
    <P751>0</P751>
    <P864>4</P864>
{%- endif %}
{%- endfor %}
{#- Fax: T.38, re-INVITE once a fax tone is heard; Bellcore caller ID. #}
    <P863>0</P863>
    <P228>0</P228>
    <P4417>1</P4417>
    <P20502>1</P20502>
{%- block model_settings %}{% endblock %}
  </config>
</gs_provision>
