{#- The <sysConf> settings both Fanvil plugins write the same way:
    provisioning, phone, CTI, web, QoS, log and SIP lines. Included by
    the <sysConf> templates, in the order the phones export them. -#}
  <ap>
    <DownloadCommonConf>0</DownloadCommonConf>
    <DownloadDeviceConf>1</DownloadDeviceConf>
    <SaveProvisionInfo>1</SaveProvisionInfo>
    <FlashServerIP>{{ XX_server_url|e }}</FlashServerIP>
    <FlashFileName>Fanvil/$mac.cfg</FlashFileName>
    <FlashProtocol>4</FlashProtocol>
    <FlashMode>1</FlashMode>
    <FlashInterval>1</FlashInterval>
    <pnp>
      <PNPEnable>0</PNPEnable>
    </pnp>
    <opt>
      <DHCPOption>66</DHCPOption>
    </opt>
  </ap>
  <phone>
    <MenuPassword>{{ (admin_password or '123')|e }}</MenuPassword>
    <display>
{%- if XX_locale %}
      <DefaultLanguage>{{ XX_locale|e }}</DefaultLanguage>
{%- endif %}
{%- for no, line in sip_lines.items() if line %}
{%- if loop.first %}
      <LCDTitle>{{ line.display_name|e }}</LCDTitle>
{%- endif %}
{%- endfor %}
    </display>
    <date>
{%- if ntp_enabled and ntp_ip %}
      <SNTPServer>{{ ntp_ip|e }}</SNTPServer>
      <EnableSNTP>1</EnableSNTP>
      <SNTPTimeout>60</SNTPTimeout>
{%- else %}
      <EnableSNTP>0</EnableSNTP>
{%- endif %}
{%- if XX_timezone %}
      <TimeZone>{{ XX_timezone.time_zone|e }}</TimeZone>
      <TimeZoneName>{{ XX_timezone.time_zone_name|e }}</TimeZoneName>
{%- if XX_timezone.enable_dst %}
      <EnableDST>2</EnableDST>
      <DSTFixedType>2</DSTFixedType>
      <DSTMinOffset>{{ XX_timezone.dst_min_offset|e }}</DSTMinOffset>
{%- for edge, change in [('Start', XX_timezone.dst_start), ('End', XX_timezone.dst_end)] %}
      <DST{{ edge|e }}Mon>{{ change.month|e }}</DST{{ edge|e }}Mon>
      <DST{{ edge|e }}Week>{{ (change.dst_week if change.dst_week is defined else 0)|e }}</DST{{ edge|e }}Week>
      <DST{{ edge|e }}Wday>{{ change.dst_wday|e }}</DST{{ edge|e }}Wday>
      <DST{{ edge|e }}Hour>{{ change.hour|e }}</DST{{ edge|e }}Hour>
{%- endfor %}
{%- else %}
      <EnableDST>0</EnableDST>
{%- endif %}
{%- endif %}
    </date>
{%- if XX_xivo_phonebook_url %}
    <softkey>
      <DesktopSoftkey>history;dss1;;menu;</DesktopSoftkey>
    </softkey>
{%- endif %}
  </phone>
  <cti>
{%- if XX_wazo_phoned_user_service_dnd_enabled_url %}
    <DNDOnUrl>{{ XX_wazo_phoned_user_service_dnd_enabled_url|e }}</DNDOnUrl>
    <DNDOffUrl>{{ XX_wazo_phoned_user_service_dnd_disabled_url|e }}</DNDOffUrl>
{%- endif %}
  </cti>
  <web>
    <WebPort>80</WebPort>
    <HttpsWebPort>443</HttpsWebPort>
{%- if admin_password %}
    <account index="1">
      <Name>admin</Name>
      <Password>{{ admin_password|e }}</Password>
      <Level>10</Level>
    </account>
{%- endif %}
{%- if user_password %}
    <account index="2">
      <Name>guest</Name>
      <Password>{{ user_password|e }}</Password>
      <Level>5</Level>
    </account>
{%- endif %}
  </web>
  <qos>
{%- if vlan_enabled and vlan_id %}
    <EnableVLAN>1</EnableVLAN>
    <VLANID>{{ vlan_id|e }}</VLANID>
    <SignallingPriority>{{ (vlan_priority or 0)|e }}</SignallingPriority>
    <VoicePriority>{{ (vlan_priority or 0)|e }}</VoicePriority>
{%- else %}
    <EnableVLAN>0</EnableVLAN>
{%- endif %}
  </qos>
  <log>
{%- if syslog_enabled and syslog_ip %}
    <Level>{{ (syslog_level or 'ERROR')|e }}</Level>
    <SyslogServer>{{ syslog_ip|e }}</SyslogServer>
    <SyslogServerPort>{{ (syslog_port or 514)|e }}</SyslogServerPort>
{%- else %}
    <Level>ERROR</Level>
    <SyslogServer>0.0.0.0</SyslogServer>
    <SyslogServerPort>514</SyslogServerPort>
{%- endif %}
  </log>
  <sip>
    <SIPPort>5060</SIPPort>
{%- for no, line in sip_lines.items() %}
    <line index="{{ no|e }}">
{%- if line %}
      <PhoneNumber>{{ (line.number or line.username)|e }}</PhoneNumber>
      <DisplayName>{{ line.display_name|e }}</DisplayName>
      <RegisterAddr>{{ (line.registrar_ip or line.proxy_ip)|e }}</RegisterAddr>
      <RegisterPort>{{ (line.registrar_port or line.proxy_port or 5060)|e }}</RegisterPort>
      <RegisterUser>{{ line.username|e }}</RegisterUser>
      <RegisterPswd>{{ line.password|e }}</RegisterPswd>
      <RegisterTTL>60</RegisterTTL>
      <EnableReg>1</EnableReg>
      <Transport>{{ X_sip_transport_protocol|e }}</Transport>
      <DTMFMode>{{ line.XX_dtmf_mode|e }}</DTMFMode>
      <MWINum>{{ line.voicemail|e }}</MWINum>
      <ProxyAddr>{{ line.proxy_ip|e }}</ProxyAddr>
      <ProxyPort>{{ (line.proxy_port or 5060)|e }}</ProxyPort>
      <ProxyUser>{{ line.username|e }}</ProxyUser>
      <ProxyPswd>{{ line.password|e }}</ProxyPswd>
{%- if line.backup_proxy_ip %}
      <BackupAddr>{{ line.backup_proxy_ip|e }}</BackupAddr>
      <BackupPort>{{ (line.backup_proxy_port or 5060)|e }}</BackupPort>
      <BackupTransport>{{ X_sip_transport_protocol|e }}</BackupTransport>
      <BackupTTL>60</BackupTTL>
{%- else %}
      <BackupAddr></BackupAddr>
      <BackupPort></BackupPort>
      <BackupTransport>0</BackupTransport>
      <BackupTTL>3600</BackupTTL>
{%- endif %}
      <BackupMode>0</BackupMode>
{%- else %}
      <EnableReg>0</EnableReg>
{%- endif %}
    </line>
{%- endfor %}
  </sip>
