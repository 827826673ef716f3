{#- <mac>-user.cfg for Polycom phones on the SIP application 3.x. The phone
    reads the attributes of every element, whatever its name; parameter
    names are those of the SIP 3.x administrator guide. The master file
    000000000000.cfg lists this file first, then common.cfg and Polycom's
    own phone1.cfg and sip.cfg (installed with the application), so a
    parameter set here wins over their defaults.

    Model templates extend this one and may fill the block
    model_specific_parameters (attributes, one per line). -#}
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<config
device.set="1"
device.net.vlanId.set="1"
device.net.vlanId="{% if vlan_enabled and vlan_id %}{{ vlan_id }}{% endif %}"
device.syslog.serverName.set="1"
device.syslog.transport.set="1"
device.syslog.renderLevel.set="1"
{%- if syslog_enabled and syslog_ip %}
device.syslog.serverName="{{ syslog_ip }}"
device.syslog.transport="1"
{%- else %}
device.syslog.serverName=""
device.syslog.transport="0"
{%- endif %}
device.syslog.renderLevel="{{ XX_syslog_level }}"
device.auth.localAdminPassword.set="1"
device.auth.localAdminPassword="{{ (admin_password or '9486')|e }}"
device.auth.localUserPassword.set="1"
device.auth.localUserPassword="{{ (user_password or '123')|e }}"
{%- if ntp_enabled and ntp_ip %}
tcpIpApp.sntp.address.overrideDHCP="1"
tcpIpApp.sntp.address="{{ ntp_ip }}"
{%- endif %}
{%- if XX_timezone %}
tcpIpApp.sntp.gmtOffset.overrideDHCP="1"
{{ XX_timezone }}
{%- endif %}
{%- if XX_language %}
lcl.ml.lang="{{ XX_language }}"
{%- endif %}
{%- if sip_srtp_mode == 'required' %}
sec.srtp.enable="1"
sec.srtp.offer="1"
sec.srtp.require="1"
{%- elif sip_srtp_mode == 'preferred' %}
sec.srtp.enable="1"
sec.srtp.offer="1"
sec.srtp.require="0"
{%- else %}
sec.srtp.enable="0"
sec.srtp.offer="0"
sec.srtp.require="0"
{%- endif %}
{%- if sip_dtmf_mode == 'SIP-INFO' %}
tone.dtmf.viaRtp="0"
tone.dtmf.rfc2833Control="0"
voIpProt.SIP.dtmfViaSignaling.rfc2976="1"
{%- elif sip_dtmf_mode == 'RTP-in-band' %}
tone.dtmf.viaRtp="1"
tone.dtmf.rfc2833Control="0"
voIpProt.SIP.dtmfViaSignaling.rfc2976="0"
{%- else %}
tone.dtmf.viaRtp="1"
tone.dtmf.rfc2833Control="1"
voIpProt.SIP.dtmfViaSignaling.rfc2976="0"
{%- endif %}
{%- if sip_outbound_proxy_ip %}
voIpProt.SIP.outboundProxy.address="{{ sip_outbound_proxy_ip }}"
{%- if sip_outbound_proxy_port %}
voIpProt.SIP.outboundProxy.port="{{ sip_outbound_proxy_port }}"
{%- endif %}
voIpProt.SIP.outboundProxy.transport="{{ XX_sip_transport }}"
{%- endif %}
{%- for no, line in sip_lines.items() if line %}
reg.{{ no }}.displayName="{{ line.display_name|e }}"
reg.{{ no }}.label="{{ (line.number or line.display_name)|e }}"
reg.{{ no }}.address="{{ line.username|e }}"
reg.{{ no }}.auth.userId="{{ (line.auth_username or line.username)|e }}"
reg.{{ no }}.auth.password="{{ line.password|e }}"
reg.{{ no }}.server.1.address="{{ line.proxy_ip }}"
{%- if line.proxy_port %}
reg.{{ no }}.server.1.port="{{ line.proxy_port }}"
{%- endif %}
reg.{{ no }}.server.1.transport="{{ XX_sip_transport }}"
reg.{{ no }}.server.1.expires="3600"
reg.{{ no }}.server.1.register="1"
{%- if line.backup_proxy_ip %}
reg.{{ no }}.server.2.address="{{ line.backup_proxy_ip }}"
{%- if line.backup_proxy_port %}
reg.{{ no }}.server.2.port="{{ line.backup_proxy_port }}"
{%- endif %}
reg.{{ no }}.server.2.transport="{{ XX_sip_transport }}"
reg.{{ no }}.server.2.expires="3600"
reg.{{ no }}.server.2.register="1"
{%- endif %}
msg.mwi.{{ no }}.subscribe="{% if sip_subscribe_mwi and line.number %}{{ line.number|e }}{% endif %}"
{%- if line.voicemail %}
msg.mwi.{{ no }}.callBackMode="contact"
msg.mwi.{{ no }}.callBack="{{ line.voicemail|e }}"
{%- else %}
msg.mwi.{{ no }}.callBackMode="disabled"
msg.mwi.{{ no }}.callBack=""
{%- endif %}
{%- endfor %}
{%- if exten_pickup_call %}
call.directedCallPickupString="{{ exten_pickup_call|e }}"
{%- endif %}
{%- if XX_fkeys %}
{{ XX_fkeys }}
{%- endif %}
{%- block remote_phonebook %}
{%- if XX_xivo_phonebook_url %}
mb.main.home="{{ XX_xivo_phonebook_url|e }}"
{%- endif %}
{%- endblock %}
{%- block model_specific_parameters %}{% endblock %}
/>
