{#- Cisco SPA122 (analog telephone adapter). Copy this file to var/templates/ to change what
    this model gets; base.tpl says which blocks there are. -#}
{% extends 'base.tpl' %}
{% block model_specific %}
<!-- The SPA100 series' router part: web login and WAN VLAN. -->
<router-configuration>
{%- if admin_password %}
<Web_Login_Admin_Name>{{ admin_username|e if admin_username else 'admin' }}</Web_Login_Admin_Name>
<Web_Login_Admin_Password>{{ admin_password|e }}</Web_Login_Admin_Password>
{%- endif %}
{%- if user_password %}
<Web_Login_Guest_Name>{{ user_username|e if user_username else 'cisco' }}</Web_Login_Guest_Name>
<Web_Login_Guest_Password>{{ user_password|e }}</Web_Login_Guest_Password>
{%- endif %}
{%- if ntp_enabled and ntp_ip %}
<Time_Setup>
<Time_Server>{{ ntp_ip }}</Time_Server>
</Time_Setup>
{%- endif %}
<WAN_VLAN_Setting>
<WAN_VLAN_Enable>{{ '1' if vlan_enabled else '0' }}</WAN_VLAN_Enable>
{%- if vlan_enabled %}
<WAN_VLAN_ID>{{ vlan_id }}</WAN_VLAN_ID>
{%- endif %}
</WAN_VLAN_Setting>
</router-configuration>
{%- endblock %}
