<?xml version="1.0" encoding="UTF-8"?>
<!-- Gigaset N720 DM/IP PRO profile, provisioned by provd. The base applies
     it only when MAC_ADDRESS is its own. -->
<ProviderFrame xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="N720_general.xsd">
  <Provider>
    <MAC_ADDRESS value="{{ XX_mac_addr|e }}"/>
    <PROFILE_NAME class="string" value="N720"/>

    <!-- Network -->
    <SYMB_ITEM ID="BS_IP_Data.ucB_USE_DHCP" class="symb_item" value="1"/>
    <SYMB_ITEM ID="BS_IP_Data.ucB_ACCEPT_FOREIGN_SUBNET" class="symb_item" value="0"/>
{%- if dns_enabled %}
    <SYMB_ITEM ID="BS_IP_Data.ulI_DNS_SERVER_1" class="symb_item" value="{{ XX_dns_ip_hex|e }}"/>
{%- endif %}
{%- if vlan_enabled and XX_vlan_id_hex %}
    <SYMB_ITEM ID="BS_IP_Data.ucB_VLAN_ENABLED" class="symb_item" value="1"/>
    <SYMB_ITEM ID="BS_IP_Data.uiI_VLAN_ID" class="symb_item" value="{{ XX_vlan_id_hex|e }}"/>
    <SYMB_ITEM ID="BS_IP_Data.ucI_VLAN_PRIORITY" class="symb_item" value="{{ vlan_priority|d(0)|e }}"/>
{%- endif %}
{%- if admin_password %}
    <SYMB_ITEM ID="BS_CUSTOM.WebUIPassword" class="symb_item" value='"{{ admin_password|e }}"'/>
{%- endif %}

    <!-- Updates: profiles yes, firmware from the administrator only -->
    <SYMB_ITEM ID="BS_IP_Data.ucB_AUTO_UPDATE_FW" class="symb_item" value="0"/>
    <SYMB_ITEM ID="BS_IP_Data.ucB_DO_CHECK_FOR_FIRMWARE_UPDATES" class="symb_item" value="0"/>
    <SYMB_ITEM ID="BS_IP_Data.ucB_DO_CHECK_FOR_PROFILE_UPDATES" class="symb_item" value="1"/>

    <!-- Date, time and tones -->
    <SYMB_ITEM ID="BS_AE_SwConfig.ucCountryCodeTone" class="symb_item" value="{{ XX_country|e }}"/>
{%- if ntp_enabled %}
    <SYMB_ITEM ID="BS_IP_Data.ucB_TIME_USE_AUTOMATIC_NTP_SYN" class="symb_item" value="1"/>
    <SYMB_ITEM ID="BS_IP_Data.aucS_TIME_NTP_SERVER[%]" class="symb_item" value='"{{ ntp_ip|e }}"'/>
{%- endif %}
{%- if XX_timezone_hex %}
    <SYMB_ITEM ID="BS_IP_Data.uiI_TIME_TIMEZONE" class="symb_item" value="{{ XX_timezone_hex|e }}"/>
    <SYMB_ITEM ID="BS_IP_Data.ucB_TIME_USE_AUTOMATIC_DST" class="symb_item" value="1"/>
{%- endif %}

    <!-- The SIP provider: line 1's servers -->
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].aucSIP_PROVIDER_NAME[%]" class="symb_item" value='"Wazo"'/>
{%- if sip_proxy_ip %}
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].aucSIP_DOMAIN[%]" class="symb_item" value='"{{ sip_proxy_ip|e }}"'/>
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].aucSIP_SERVER[%]" class="symb_item" value='"{{ sip_proxy_ip|e }}"'/>
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].uiSIP_SERVER_PORT" class="symb_item" value="{{ XX_sip_proxy_port_hex|e }}"/>
{%- endif %}
{%- if sip_registrar_ip %}
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].aucSIP_REGISTRAR[%]" class="symb_item" value='"{{ sip_registrar_ip|e }}"'/>
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].uiSIP_REGISTRAR_PORT" class="symb_item" value="{{ XX_sip_registrar_port_hex|e }}"/>
{%- endif %}
{%- if sip_outbound_proxy_ip %}
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].ucOUTBOUND_PROXY_MODE" class="symb_item" value="1"/>
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].aucOUTBOUND_PROXY[%]" class="symb_item" value='"{{ sip_outbound_proxy_ip|e }}"'/>
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].uiOUTBOUND_PROXY_PORT" class="symb_item" value="{{ XX_sip_outbound_proxy_port_hex|e }}"/>
{%- else %}
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].ucOUTBOUND_PROXY_MODE" class="symb_item" value="2"/>
{%- endif %}
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].uiRE_REGISTRATION_TIMER" class="symb_item" value="0xb4"/>
{%- if exten_dnd %}
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].NetCodeDND_ON[%]" class="symb_item" value='"{{ exten_dnd|e }}"'/>
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].NetCodeDND_OFF[%]" class="symb_item" value='"{{ exten_dnd|e }}"'/>
{%- endif %}
{%- if exten_fwd_unconditional %}
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].NetCodeCFU_ON[%]" class="symb_item" value='"{{ exten_fwd_unconditional|e }}"'/>
{%- endif %}
{%- if exten_fwd_busy %}
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].NetCodeCFB_ON[%]" class="symb_item" value='"{{ exten_fwd_busy|e }}"'/>
{%- endif %}
{%- if exten_fwd_no_answer %}
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipProviders[0].NetCodeCFNR_ON[%]" class="symb_item" value='"{{ exten_fwd_no_answer|e }}"'/>
{%- endif %}

    <!-- One account per line, on the handset of the same number -->
{%- if sip_lines %}
{%- for line_no, line in sip_lines.items() %}
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[{{ line.XX_account_index|e }}].ucB_SIP_ACCOUNT_IS_ACTIVE_1" class="symb_item" value="1"/>
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[{{ line.XX_account_index|e }}].ucVoipProviderIndex" class="symb_item" value="0"/>
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[{{ line.XX_account_index|e }}].aucS_SIP_DISPLAYNAME[0]" class="symb_item" value='"{{ line.display_name|e }}"'/>
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[{{ line.XX_account_index|e }}].aucS_SIP_USER_ID[0]" class="symb_item" value='"{{ line.username|e }}"'/>
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[{{ line.XX_account_index|e }}].aucS_SIP_LOGIN_ID[0]" class="symb_item" value='"{{ line.auth_username|d(line.username)|e }}"'/>
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[{{ line.XX_account_index|e }}].aucS_SIP_PASSWORD[0]" class="symb_item" value='"{{ line.password|e }}"'/>
{%- if line.voicemail %}
    <SYMB_ITEM ID="BS_VOIP_Data.astVoipAccounts[{{ line.XX_account_index|e }}].aucS_VOIP_NET_AM_NUMBER_1[%]" class="symb_item" value='"{{ line.voicemail|e }}"'/>
{%- endif %}
{%- endfor %}
{%- endif %}

{%- if XX_xivo_phonebook_url %}

    <!-- Wazo's directory -->
    <SYMB_ITEM ID="BS_XML_Netdirs.aucActivatedNetdirs[%]" class="symb_item" value="0x2a"/>
    <SYMB_ITEM ID="BS_XML_Netdirs.astNetdirProvider[0].aucProviderName[%]" class="symb_item" value='"Wazo"'/>
    <SYMB_ITEM ID="BS_XML_Netdirs.astNetdirProvider[0].aucServerURL[%]" class="symb_item" value='"{{ XX_xivo_phonebook_url|e }}"'/>
    <SYMB_ITEM ID="BS_XML_Netdirs.astNetdirProvider[0].bitfldCap.bSearchPeopleCap" class="symb_item" value="1"/>
    <SYMB_ITEM ID="BS_XML_Netdirs.astNetdirProvider[0].bitfldCap.bReverseSearchCap" class="symb_item" value="1"/>
{%- endif %}
  </Provider>
</ProviderFrame>
