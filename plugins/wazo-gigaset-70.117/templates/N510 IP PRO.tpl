<?xml version="1.0" encoding="UTF-8"?>
<!-- Gigaset N510 IP PRO profile, provisioned by provd. The base applies it
     only when MAC_ADDRESS is its own. Line 1's settings have bare names,
     line N's end in _N. -->
<ProviderFrame xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="N510.xsd">
  <Provider>
    <MAC_ADDRESS value="{{ XX_mac_addr|e }}"/>
    <PROFILE_NAME class="string" value="N510"/>

    <!-- Network -->
    <SYMB_ITEM ID="BS_IP_Data1.ucB_USE_DHCP" class="symb_item" value="1"/>
    <SYMB_ITEM ID="BS_IP_Data1.ucB_ACCEPT_FOREIGN_SUBNET" class="symb_item" value="0x1"/>
{%- if dns_enabled %}
    <SYMB_ITEM ID="BS_IP_Data1.ulI_DNS_SERVER_1" class="symb_item" value="{{ XX_dns_ip_hex|e }}"/>
{%- endif %}
{%- if vlan_enabled and XX_vlan_id_hex %}
    <SYMB_ITEM ID="BS_IP_Data1.ucB_VLAN_ENABLED" class="symb_item" value="1"/>
    <SYMB_ITEM ID="BS_IP_Data1.uiI_VLAN_ID" class="symb_item" value="{{ XX_vlan_id_hex|e }}"/>
    <SYMB_ITEM ID="BS_IP_Data1.ucI_VLAN_PRIORITY" class="symb_item" value="{{ vlan_priority|d(0)|e }}"/>
{%- endif %}

    <!-- Profile updates from this server, after each reboot -->
    <SYMB_ITEM ID="BS_IP_Data.ucB_AUTO_UPDATE_PROFILE" class="symb_item" value="0x1"/>
    <SYMB_ITEM ID="BS_IP_Data3.ucI_ONESHOT_PROVISIONING_MODE_1" class="symb_item" value="0x1"/>
{%- if XX_server_url_without_scheme %}
    <SYMB_ITEM ID="BS_IP_Data1.aucS_DATA_SERVER[0]" class="symb_item" value='"{{ XX_server_url_without_scheme|e }}"'/>
    <S_CONFIGFILE_URL class="string" value='"{{ XX_server_url_without_scheme|e }}/{{ XX_mac_addr|e }}.xml"'/>
{%- endif %}

    <!-- Date, time and tones -->
    <SYMB_ITEM ID="BS_AE_SwConfig.ucCountryCodeTone" class="symb_item" value="{{ XX_country|e }}"/>
{%- if ntp_enabled %}
    <SYMB_ITEM ID="BS_IP_Data1.aucS_TIME_NTP_SERVER" class="symb_item" value='"{{ ntp_ip|e }}"'/>
{%- endif %}
{%- if XX_timezone_hex %}
    <SYMB_ITEM ID="BS_IP_Data1.uiI_TIME_TIMEZONE" class="symb_item" value="{{ XX_timezone_hex|e }}"/>
    <SYMB_ITEM ID="BS_IP_Data1.ucB_TIME_USE_AUTOMATIC_DST" class="symb_item" value="0x1"/>
{%- endif %}

    <!-- DTMF as RFC 2833 events -->
    <SYMB_ITEM ID="BS_IP_Data1.ucB_DTMF_TX_MODE_AUTO" class="symb_item" value="0"/>
    <SYMB_ITEM ID="BS_IP_Data1.ucI_DTMF_TX_MODE_BITS" class="symb_item" value="2"/>

    <!-- One account per line, sent to and received on its handset -->
{%- if sip_lines %}
{%- for line_no, line in sip_lines.items() %}
    <SYMB_ITEM ID="BS_IP_Data1.ucB_SIP_ACCOUNT_IS_ACTIVE_{{ line_no|e }}" class="symb_item" value="0x1"/>
    <SYMB_ITEM ID="BS_Accounts.astAccounts[{{ line.XX_account_index|e }}].aucAccountName[0]" class="symb_item" value='"{{ line.display_name|e }}"'/>
{%- if line.XX_mask %}
    <SYMB_ITEM ID="BS_Accounts.astAccounts[{{ line.XX_account_index|e }}].uiSendMask" class="symb_item" value="{{ line.XX_mask|e }}"/>
    <SYMB_ITEM ID="BS_Accounts.astAccounts[{{ line.XX_account_index|e }}].uiReceiveMask" class="symb_item" value="{{ line.XX_mask|e }}"/>
{%- endif %}
    <SYMB_ITEM ID="BS_IP_Data1.aucS_SIP_DISPLAYNAME{{ line.XX_suffix|e }}" class="symb_item" value='"{{ line.display_name|e }}"'/>
    <SYMB_ITEM ID="BS_IP_Data1.aucS_SIP_USER_ID{{ line.XX_suffix|e }}" class="symb_item" value='"{{ line.username|e }}"'/>
    <SYMB_ITEM ID="BS_IP_Data3.aucS_SIP_LOGIN_ID{{ line.XX_suffix|e }}" class="symb_item" value='"{{ line.auth_username|d(line.username)|e }}"'/>
    <SYMB_ITEM ID="BS_IP_Data1.aucS_SIP_PASSWORD{{ line.XX_suffix|e }}" class="symb_item" value='"{{ line.password|e }}"'/>
    <SYMB_ITEM ID="BS_IP_Data1.aucS_SIP_PROVIDER_NAME{{ line.XX_suffix|e }}" class="symb_item" value='"Wazo"'/>
    <SYMB_ITEM ID="BS_IP_Data1.aucS_SIP_DOMAIN{{ line.XX_suffix|e }}" class="symb_item" value='"{{ line.proxy_ip|e }}"'/>
    <SYMB_ITEM ID="BS_IP_Data1.aucS_SIP_SERVER{{ line.XX_suffix|e }}" class="symb_item" value='"{{ line.proxy_ip|e }}"'/>
    <SYMB_ITEM ID="BS_IP_Data1.aucS_SIP_REGISTRAR{{ line.XX_suffix|e }}" class="symb_item" value='"{{ line.registrar_ip|d(line.proxy_ip)|e }}"'/>
    <SYMB_ITEM ID="BS_IP_Data1.uiI_SIP_SERVER_PORT{{ line.XX_suffix|e }}" class="symb_item" value="{{ XX_sip_proxy_port_hex|e }}"/>
    <SYMB_ITEM ID="BS_IP_Data1.uiI_SIP_REGISTRAR_PORT{{ line.XX_suffix|e }}" class="symb_item" value="{{ XX_sip_registrar_port_hex|e }}"/>
    <SYMB_ITEM ID="BS_AE_Subscriber.stMtDat[{{ line.XX_account_index|e }}].aucTlnName" class="symb_item" value='"{{ line.number|e }}"'/>
{%- if line.voicemail %}
    <SYMB_ITEM ID="BS_IP_Data1.aucS_VOIP_NET_AM_NUMBER_{{ line_no|e }}" class="symb_item" value='"{{ line.voicemail|e }}"'/>
    <SYMB_ITEM ID="BS_IP_Data1.ucB_VOIP_NET_AM_ENABLED_{{ line_no|e }}" class="symb_item" value="0x1"/>
{%- endif %}
{%- endfor %}
{%- endif %}

{%- if XX_xivo_phonebook_url %}

    <!-- Wazo's directory -->
    <SYMB_ITEM ID="BS_XML_Netdirs.aucActivatedNetdirs" class="symb_item" value="0x2a"/>
    <SYMB_ITEM ID="BS_XML_Netdirs.astNetdirProvider[0].aucProviderName" class="symb_item" value='"Wazo"'/>
    <SYMB_ITEM ID="BS_XML_Netdirs.astNetdirProvider[0].aucServerURL" class="symb_item" value='"{{ XX_xivo_phonebook_url|e }}"'/>
    <SYMB_ITEM ID="BS_XML_Netdirs.astNetdirProvider[0].bitfldCap.bSearchPeopleCap" class="symb_item" value="1"/>
    <SYMB_ITEM ID="BS_XML_Netdirs.astNetdirProvider[0].bitfldCap.bReverseSearchCap" class="symb_item" value="1"/>
{%- endif %}
  </Provider>
</ProviderFrame>
