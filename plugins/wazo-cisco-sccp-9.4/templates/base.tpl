{#- SEP<MAC>.cnf.xml, read by Cisco 79xx phones running SCCP firmware (over
    TFTP at boot, or HTTP). It gives the call managers to register with in
    priority order, the firmware load to run, date, time zone and locale.
    Lines and keys are not here: the call manager sends them over SCCP.

    Blocks a <model>.tpl may fill: vendor_config (the model's own
    settings), load_information (the firmware load name). -#}
<?xml version="1.0" encoding="UTF-8"?>
<device>
<deviceProtocol>SCCP</deviceProtocol>
<devicePool>
<dateTimeSetting>
<dateTemplate>{% if locale == 'en_US' %}M/D/Y{% else %}D/M/Y{% endif %}</dateTemplate>
<timeZone>{{ XX_timezone }}</timeZone>
{%- if ntp_enabled and ntp_ip %}
<ntps>
<ntp>
<name>{{ ntp_ip }}</name>
<ntpMode>Unicast</ntpMode>
</ntp>
</ntps>
{%- endif %}
</dateTimeSetting>
<callManagerGroup>
<members>
{%- for cm in XX_call_managers %}
<member priority="{{ cm.priority }}">
<callManager>
<ports>
<ethernetPhonePort>{{ cm.port }}</ethernetPhonePort>
</ports>
<processNodeName>{{ cm.ip }}</processNodeName>
</callManager>
</member>
{%- endfor %}
</members>
</callManagerGroup>
</devicePool>
{%- block vendor_config %}{% endblock %}
{#- An empty load leaves the phone on the firmware it runs. #}
<loadInformation>{% block load_information %}{{ XX_load }}{% endblock %}</loadInformation>
{%- if XX_locale %}
<userLocale>
<name>i18n/{{ XX_locale[0] }}</name>
<langCode>{{ XX_locale[1] }}</langCode>
<winCharSet>iso-8859-1</winCharSet>
</userLocale>
<networkLocale>i18n/{{ XX_locale[2] }}</networkLocale>
{%- endif %}
{%- if XX_xivo_phonebook_url %}
<directoryURL>{{ XX_xivo_phonebook_url|e }}</directoryURL>
{%- endif %}
</device>
