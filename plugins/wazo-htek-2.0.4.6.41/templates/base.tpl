{#- cfg<mac>.xml: an Htek UC9xx's settings, <hl_provision> XML whose
    elements are the phone's parameter numbers (P<n>, with their names in
    para=). Profile 1 holds the SIP servers (from line 1), accounts 1 to
    16 the lines (XX_account: the parameter numbers of each), then the
    network, phonebook and line keys (XX_fkeys). -#}
<?xml version="1.0" encoding="UTF-8"?>
<hl_provision version="1">
  <config version="1">
{%- set first = sip_lines['1'] if '1' in sip_lines else {} %}
{%- if first.proxy_ip %}
    <P47 para="Profile1_Sipserver">{{ first.proxy_ip|e }}:{{ (first.proxy_port or 5060)|e }}</P47>
{%- endif %}
{%- if first.backup_proxy_ip %}
    <P967 para="Profile1_FailoverSipserver">{{ first.backup_proxy_ip|e }}:{{ (first.backup_proxy_port or 5060)|e }}</P967>
{%- endif %}
{%- if first.outbound_proxy_ip %}
    <P48 para="Profile1_OutboundProxy">{{ first.outbound_proxy_ip|e }}:{{ (first.outbound_proxy_port or 5060)|e }}</P48>
{%- endif %}
    <P130 para="Profile1_SipTransport">{{ XX_sip_transport|e }}</P130>
    <P31 para="Profile1_SipRegistration">1</P31>
    <P81 para="Profile1_UnregisterOnReboot">1</P81>
{%- if first.XX_dtmf_type %}
    <P20166 para="Profile1_DtmfMode">{{ first.XX_dtmf_type|e }}</P20166>
{%- endif %}
    <P99 para="Profile1_SubscribeForMWI">1</P99>
{%- for no, line in sip_lines.items() if line and line.XX_account %}
{%- set p = line.XX_account %}
    <P{{ p.active }} para="Account{{ no }}_Active">1</P{{ p.active }}>
    <P{{ p.label }} para="Account{{ no }}_Label">{{ line.number|e }}</P{{ p.label }}>
    <P{{ p.user }} para="Account{{ no }}_SipUserId">{{ line.username|e }}</P{{ p.user }}>
    <P{{ p.auth }} para="Account{{ no }}_AuthenticateID">{{ (line.auth_username or line.username)|e }}</P{{ p.auth }}>
    <P{{ p.password }} para="Account{{ no }}_AuthenticatePassword">{{ line.password|e }}</P{{ p.password }}>
    <P{{ p.display }} para="Account{{ no }}_DispalyName">{{ line.display_name|e }}</P{{ p.display }}>
    <P{{ p.voicemail }} para="Account{{ no }}_VoiceMailId">{{ line.voicemail|e }}</P{{ p.voicemail }}>
    <P{{ p.dialplan }} para="Account{{ no }}_DialPlan">{[x*]+}</P{{ p.dialplan }}>
{%- if exten_pickup_call %}
    <P{{ p.pickup_direct }} para="Account{{ no }}_DirectCallPickupCode">{{ exten_pickup_call|e }}</P{{ p.pickup_direct }}>
{%- endif %}
{%- if exten_pickup_group %}
    <P{{ p.pickup_group }} para="Account{{ no }}_GroupCallPickupCode">{{ exten_pickup_group|e }}</P{{ p.pickup_group }}>
{%- endif %}
{%- endfor %}
    <P30 para="UrlOrIpAddress">{{ (ntp_ip if ntp_enabled and ntp_ip else 'pool.ntp.org')|e }}</P30>
    <P64 para="Preference_TimeZone">{{ XX_timezone_code|e }}</P64>
    <P75 para="Preference_DaylightSavingTime">2</P75>
{%- if vlan_enabled and vlan_id %}
    <P24053 para="Network_Advanced_Vlan_WANVlan">1</P24053>
    <P51 para="Layer2QoS_802_1Q_VLANTag">{{ vlan_id|e }}</P51>
    <P87 para="Layer2QoS_802_1pPriorityValue">{{ (vlan_priority or 0)|e }}</P87>
{%- else %}
    <P24053 para="Network_Advanced_Vlan_WANVlan">0</P24053>
{%- endif %}
{%- if XX_xivo_phonebook_url %}
    <P4401 para="RemotePhoneBook1_Url">{{ XX_xivo_phonebook_url|e }}&amp;term=</P4401>
    <P3316 para="RemotePhoneBook1_Name">Wazo</P3316>
{%- endif %}
{%- for no, key in (XX_fkeys or {}).items() %}
    <P{{ key.type.p_nb }} para="LineKey{{ no }}_Type">{{ key.type.val|e }}</P{{ key.type.p_nb }}>
    <P{{ key.mode.p_nb }} para="LineKey{{ no }}_Mode">0</P{{ key.mode.p_nb }}>
    <P{{ key.value.p_nb }} para="LineKey{{ no }}_Value">{{ key.value.val|e }}</P{{ key.value.p_nb }}>
    <P{{ key.label.p_nb }} para="LineKey{{ no }}_Label">{{ key.label.val|e }}</P{{ key.label.p_nb }}>
    <P{{ key.account.p_nb }} para="LineKey{{ no }}_Account">255</P{{ key.account.p_nb }}>
    <P{{ key.extension.p_nb }} para="LineKey{{ no }}_Extension">{{ key.extension.val|e }}</P{{ key.extension.p_nb }}>
{%- endfor %}
  </config>
</hl_provision>
