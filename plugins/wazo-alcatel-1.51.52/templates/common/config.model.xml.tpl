<?xml version="1.0" encoding="UTF-8"?>
<!-- Settings shared by every {{ XX_model|e }} of this server, written by
     provd. Each phone then fetches its own file, config.<mac>.xml. -->
<settings>
    <setting id="DeviceProvisionFileFirst" value="config.$model.xml"/>
    <setting id="DeviceProvisionFileSecond" value="config.$mac.xml"/>
{%- if XX_server_url %}
    <setting id="DeviceProvisionServerUrl" value="{{ XX_server_url|e }}"/>
{%- endif %}
    <setting id="DeviceProvisionPnpEnable" value="true"/>
    <setting id="DeviceProvisionDhcpEnable" value="true"/>
</settings>
