<?xml version="1.0" encoding="UTF-8"?>
<!-- Gigaset Nx70 IP PRO (N610, N670, N770, N870, N870E) provisioning,
     written by provd. Handset N registers with the code of line N. -->
<provisioning version="1.1" productID="e2">
  <firmware>
{%- if XX_firmware and XX_server_url %}
    <file version="{{ XX_firmware.version|e }}" url="{{ XX_server_url|e }}/{{ XX_firmware.file|e }}"/>
{%- endif %}
  </firmware>
  <nvm>
    <oper name="DeleteNotProvisionedHS"/>
{%- if admin_password %}
    <param name="WebUIAccounts.1.Password" value="{{ admin_password|e }}"/>
{%- endif %}
{%- if XX_server_url %}
    <param name="Provisioning.global.ProvisioningServer" value="{{ XX_server_url|e }}"/>
{%- endif %}
    <param name="Telephony.0.ToneScheme" value="{{ XX_country|e }}"/>
    <param name="Telephony.0.CT_ViaRKey" value="1"/>
    <param name="Telephony.0.CT_ByOnHook" value="1"/>
    <param name="DmGlobal.0.HSIdleDisplay" value="1"/>
{%- if ntp_enabled %}
    <param name="DmGlobal.0.NtpServer" value="{{ ntp_ip|e }}"/>
{%- endif %}
{%- if timezone %}
    <param name="DmGlobal.0.TimeZone" value="{{ timezone|e }}"/>
{%- endif %}
{%- for provider in XX_voip_providers %}

    <!-- SIP provider {{ provider.id|e }} -->
    <param name="SipProvider.{{ provider.id|e }}.Name" value="Wazo{{ provider.id|e }}"/>
{%- if provider.sip_proxy_ip %}
    <param name="SipProvider.{{ provider.id|e }}.Domain" value="{{ provider.sip_proxy_ip|e }}"/>
    <param name="SipProvider.{{ provider.id|e }}.ProxyServerAddress" value="{{ provider.sip_proxy_ip|e }}"/>
    <param name="SipProvider.{{ provider.id|e }}.ProxyServerPort" value="{{ provider.sip_proxy_port|e }}"/>
{%- endif %}
{%- if sip_registrar_ip %}
    <param name="SipProvider.{{ provider.id|e }}.RegServerAddress" value="{{ sip_registrar_ip|e }}"/>
    <param name="SipProvider.{{ provider.id|e }}.RegServerPort" value="{{ sip_registrar_port|d(5060)|e }}"/>
{%- endif %}
    <param name="SipProvider.{{ provider.id|e }}.RegServerRefreshTimer" value="180"/>
    <param name="SipProvider.{{ provider.id|e }}.TransportProtocol" value="{{ provider.sip_transport|e }}"/>
    <param name="SipProvider.{{ provider.id|e }}.SRTP_Enabled" value="{{ '1' if provider.sip_transport == '3' else '0' }}"/>
{%- if provider.dtmf_mode %}
    <param name="SipProvider.{{ provider.id|e }}.DTMFTransmission" value="{{ provider.dtmf_mode|e }}"/>
{%- endif %}
{%- if sip_backup_proxy_ip %}
    <param name="SipProvider.{{ provider.id|e }}.FailoverServerEnabled" value="1"/>
    <param name="SipProvider.{{ provider.id|e }}.FailoverServerAddress" value="{{ sip_backup_proxy_ip|e }}"/>
    <param name="SipProvider.{{ provider.id|e }}.FailoverServerPort" value="{{ sip_backup_proxy_port|d(5060)|e }}"/>
{%- else %}
    <param name="SipProvider.{{ provider.id|e }}.FailoverServerEnabled" value="0"/>
{%- endif %}
{%- if sip_outbound_proxy_ip %}
    <param name="SipProvider.{{ provider.id|e }}.OutboundProxyMode" value="0"/>
    <param name="SipProvider.{{ provider.id|e }}.OutboundProxyAddress" value="{{ sip_outbound_proxy_ip|e }}"/>
    <param name="SipProvider.{{ provider.id|e }}.OutboundProxyPort" value="{{ sip_outbound_proxy_port|d(5060)|e }}"/>
{%- else %}
    <param name="SipProvider.{{ provider.id|e }}.OutboundProxyMode" value="2"/>
{%- endif %}
    <param name="SipProvider.{{ provider.id|e }}.MWISubscription" value="{{ '1' if sip_subscribe_mwi else '0' }}"/>
{%- endfor %}
{%- if sip_lines %}
{%- for line_no, line in sip_lines.items() %}

    <!-- Handset {{ line.XX_handset_no|e }}: line {{ line_no|e }} -->
    <oper name="add_hs" value="{{ line.XX_handset_no|e }}">
      <param name="hs.RegStatus" value="ToReg"/>
    </oper>
    <param name="hs.{{ line.XX_handset_no|e }}.DECT_AC" value="{{ line.XX_hs_code|e }}"/>
    <param name="SipAccount.{{ line.XX_handset_no|e }}.ProviderId" value="{{ line.provider_id|e }}"/>
    <param name="SipAccount.{{ line.XX_handset_no|e }}.UserName" value="{{ line.username|e }}"/>
    <param name="SipAccount.{{ line.XX_handset_no|e }}.AuthName" value="{{ line.auth_username|d(line.username)|e }}"/>
    <param name="SipAccount.{{ line.XX_handset_no|e }}.AuthPassword" value="{{ line.password|e }}"/>
    <param name="SipAccount.{{ line.XX_handset_no|e }}.DisplayName" value="{{ line.display_name|e }}"/>
{%- if line.voicemail %}
    <param name="SipAccount.{{ line.XX_handset_no|e }}.VoiceMailMailbox" value="{{ line.voicemail|e }}"/>
    <param name="SipAccount.{{ line.XX_handset_no|e }}.VoiceMailActive" value="1"/>
{%- endif %}
{%- endfor %}
{%- endif %}
{%- if XX_xivo_phonebook_url %}

    <!-- Wazo's directory -->
    <param name="Netdir.1.Activated" value="1"/>
    <param name="XMLDir.1.ProviderName" value="Wazo"/>
    <param name="XMLDir.1.ServerURL" value="{{ XX_xivo_phonebook_url|e }}"/>
    <param name="XMLDir.1.WhitePagesDirName" value="Directory"/>
{%- endif %}

    <!-- Handsets may register for 15 minutes from this profile's writing -->
    <oper name="update_dm" value="local">
      <param name="RegStart" value="{{ XX_epoch|e }}"/>
      <param name="RegDuration" value="900"/>
    </oper>
  </nvm>
</provisioning>
