{#- cfg00NN.xml, the common file of a hardware model: the phone's web
    accounts, and where it fetches firmware and its own cfg<mac>.xml. -#}
<?xml version="1.0" encoding="UTF-8"?>
<hl_provision version="1">
  <config version="1">
    <P8682 para="LogUser_User">{{ (user_username or 'user')|e }}</P8682>
    <P196 para="UserPassword">{{ (user_password or '')|e }}</P196>
    <P8681 para="LogUser_Admin">{{ (admin_username or 'admin')|e }}</P8681>
    <P2 para="AdminPassword">{{ (admin_password or '')|e }}</P2>
{%- if XX_server_url %}
    <P212 para="FirmwareUpGrade_UrgradeMode">1</P212>
    <P192 para="FirmwareUpGrade_FirmwareServerPath">{{ XX_server_url|e }}/firmware</P192>
    <P237 para="FirmwareUpGrade_ConfigServerPath">{{ XX_server_url|e }}/</P237>
{%- endif %}
  </config>
</hl_provision>
