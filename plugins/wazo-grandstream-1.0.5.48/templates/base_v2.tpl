{#- Grandstream/cfg<mac>.xml in the vendor's XML provisioning format,
    config version 2: one <item name="..."> per setting, named by
    Grandstream's setting aliases instead of P-value numbers. The models
    whose template extends this one read it; programmable keys come from
    XX_v2_fkeys (virtual keys of the screen, then physical ones).

    Model templates may fill the block model_settings (items inside
    <config>). -#}
<?xml version="1.0" encoding="UTF-8"?>
<gs_provision version="1">
  <config version="2">
{%- if admin_password %}
    <item name="users.admin.password">{{ admin_password|e }}</item>
{%- endif %}
{%- if ntp_enabled and ntp_ip %}
    <item name="dateTime.ntp.server.1">{{ ntp_ip|e }}</item>
{%- endif %}
{%- if XX_timezone %}
    <item name="dateTime.timezone">{{ XX_timezone|e }}</item>
{%- endif %}
{%- if XX_locale %}
    <item name="language.gui">{{ XX_locale|e }}</item>
{%- endif %}
{%- if vlan_enabled and vlan_id %}
    <item name="network.port.eth.1.vlan.tag">{{ vlan_id|e }}</item>
    <item name="network.port.eth.1.vlan.priority">{{ vlan_priority if vlan_priority is number else 0 }}</item>
{%- endif %}
{%- if XX_dns_1 %}
    <item name="network.dns.preferred.ip.1">{{ XX_dns_1|e }}</item>
    <item name="network.dns.preferred.ip.2">{{ XX_dns_2|e }}</item>
    <item name="network.dns.preferred.ip.3">{{ XX_dns_3|e }}</item>
    <item name="network.dns.preferred.ip.4">{{ XX_dns_4|e }}</item>
{%- endif %}
{#- Firmware checked every day at a random time between 23:00 and 01:00,
    installed without asking. #}
    <item name="provisioning.auto.mode">YesUpgradeHourOfDay</item>
    <item name="provisioning.auto.randomTime.enable">Yes</item>
    <item name="provisioning.auto.hour">23</item>
    <item name="provisioning.auto.endHour">1</item>
    <item name="provisioning.firmware.confirm.enable">No</item>
{%- for no, line in sip_lines.items() if line %}
    <item name="account.{{ no }}.enable">Yes</item>
    <item name="account.{{ no }}.sip.registration">Yes</item>
    <item name="account.{{ no }}.sip.unregisterOnReboot">Yes</item>
    <item name="account.{{ no }}.call.dialplan">{ [*x]+ }</item>
    <item name="account.{{ no }}.intercom.allowAutoAnswer">Yes</item>
{%- if exten_pickup_call %}
    <item name="account.{{ no }}.sip.blf.callPickup.prefix">{{ exten_pickup_call|e }}</item>
{%- endif %}
    <item name="account.{{ no }}.name">{{ line.display_name|e }}</item>
{%- if XX_sip_transport %}
    <item name="account.{{ no }}.sip.transport">{{ XX_sip_transport|e }}</item>
{%- endif %}
    <item name="account.{{ no }}.sip.server.1.address">{{ (line.registrar_ip or line.proxy_ip)|e }}</item>
    <item name="account.{{ no }}.sip.server.2.address">{{ line.backup_registrar_ip|e }}</item>
    <item name="account.{{ no }}.sip.userid">{{ line.username|e }}</item>
    <item name="account.{{ no }}.sip.subscriber.userid">{{ (line.auth_username or line.username)|e }}</item>
    <item name="account.{{ no }}.sip.subscriber.password">{{ line.password|e }}</item>
    <item name="account.{{ no }}.sip.subscriber.name">{{ line.display_name|e }}</item>
    <item name="account.{{ no }}.sip.accountDisplay">User Name</item>
    <item name="account.{{ no }}.sip.voicemail.number">{{ line.voicemail|e }}</item>
{%- if XX_dtmf_in_sip %}
    <item name="account.{{ no }}.dtmf.sendInAudio">{{ XX_dtmf_in_audio|e }}</item>
    <item name="account.{{ no }}.dtmf.sendInRtp">{{ XX_dtmf_in_rtp|e }}</item>
    <item name="account.{{ no }}.dtmf.sendInSip">{{ XX_dtmf_in_sip|e }}</item>
{%- endif %}
    <item name="account.{{ no }}.featureCodes.callFeatures">No</item>
    <item name="account.{{ no }}.sip.allowSipReset">Yes</item>
{%- endfor %}
{%- for no, key in XX_v2_fkeys or [] %}
    <item name="pks.{{ key.section }}.{{ no }}.account">{{ 'Account1' if key.section == 'mpk' else 0 }}</item>
    <item name="pks.{{ key.section }}.{{ no }}.keyMode">{{ key.type|e }}</item>
    <item name="pks.{{ key.section }}.{{ no }}.description">{{ key.label|e }}</item>
    <item name="pks.{{ key.section }}.{{ no }}.value">{{ key.value|e }}</item>
{%- endfor %}
{%- block model_settings %}{% endblock %}
  </config>
</gs_provision>
