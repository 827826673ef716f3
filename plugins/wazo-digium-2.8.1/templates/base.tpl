{#- Digium/<mac>.cfg: the XML configuration of a Digium D-series phone
    (<setting id= value=/> elements, accounts, contacts, firmware), as the
    phones' XML configuration reference describes it.

    Model templates extend this one and may fill the block
    model_specific_settings (elements inside <config>). -#}
<?xml version="1.0" encoding="UTF-8"?>
<config>
  <setting id="login_password" value="{{ (admin_password or '789')|e }}"/>
{%- if timezone %}
  <setting id="time_zone" value="{{ timezone|e }}"/>
{%- endif %}
{%- if ntp_enabled and ntp_ip %}
  <setting id="time_source" value="ntp"/>
  <setting id="ntp_server" value="{{ ntp_ip|e }}"/>
  <setting id="ntp_resync" value="86400"/>
{%- endif %}
{%- if XX_lang %}
  <setting id="locale" value="{{ XX_lang|e }}"/>
{%- endif %}
{%- if vlan_enabled and vlan_id %}
  <setting id="network_vlan_id" value="{{ vlan_id }}"/>
  <setting id="network_vlan_qos" value="{{ vlan_priority if vlan_priority is number else 0 }}"/>
{%- else %}
  <setting id="network_vlan_id" value="0"/>
  <setting id="network_vlan_qos" value="0"/>
{%- endif %}
  <setting id="accept_local_calls" value="any"/>
{%- if XX_transport == 'tls' %}
  <setting id="transport_tls_allowed" value="1"/>
{%- endif %}
{#- Function keys are contacts of this group (Digium/<mac>-contacts.xml);
    the phone puts them on its free line keys, watching the BLF ones. #}
  <setting id="enable_blf_on_unused_line_keys" value="1"/>
  <setting id="blf_contact_group" value="Default"/>
{%- if XX_server_url %}
  <contacts id="internal" url="{{ XX_server_url|e }}/Digium/{{ XX_mac }}-contacts.xml"/>
{%- endif %}
  <ringtones>
    <alerts>
      <alert alert_info="normal" ring_type="normal" ringtone_id="Digium"/>
      <alert alert_info="ring-answer" ring_type="answer" ringtone_id="Digium"/>
      <alert alert_info="answer" ring_type="answer" ringtone_id=""/>
      <alert alert_info="intercom" ring_type="answer" ringtone_id=""/>
      <alert alert_info="visual" ring_type="visual" ringtone_id=""/>
    </alerts>
  </ringtones>
  <accounts>
{%- for no, line in sip_lines.items() if line %}
    <account index="{{ line.XX_account_index }}" status="1" register="1" conflict="replace"
      account_id="{{ line.username|e }}" username="{{ line.username|e }}"
      authname="{{ (line.auth_username or line.username)|e }}" password="{{ line.password|e }}"
      line_label="{{ (line.display_name or line.number)|e }}" dial_plan="x.T6" visual_voicemail="0"
      voicemail="{% if line.voicemail and line.proxy_ip %}sip:{{ line.voicemail|e }}@{{ line.proxy_ip }}{% endif %}">
      <host_primary server="{{ line.proxy_ip }}" port="{{ line.proxy_port or 5060 }}" transport="{{ XX_transport }}"
        reregister="3600" retry="25" num_retries="5"/>
{%- if line.backup_proxy_ip %}
      <host_alternate server="{{ line.backup_proxy_ip }}" port="{{ line.backup_proxy_port or 5060 }}" transport="{{ XX_transport }}"
        reregister="3600" retry="25" num_retries="5"/>
{%- endif %}
    </account>
{%- endfor %}
  </accounts>
{%- if XX_server_url and XX_firmwares %}
  <firmwares>
{%- for fw in XX_firmwares %}
    <firmware model="{{ fw.model }}" version="{{ fw.version }}" url="{{ XX_server_url|e }}/Digium/firmware/{{ fw.file }}"/>
{%- endfor %}
  </firmwares>
{%- endif %}
{%- block model_specific_settings %}{% endblock %}
</config>
