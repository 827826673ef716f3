{#- snom<model>-firmware.xml: the firmware image of the model, installed
    under firmware/ by the plugin's packages. The phone replaces {mac}
    with its own MAC address, which tells provd who downloads. -#}
<?xml version="1.0" encoding="utf-8"?>
<firmware-settings>
{%- if XX_fw_filename %}
  <firmware perm="R">{{ XX_server_url|e }}/firmware/{{ XX_fw_filename|e }}?mac={mac}</firmware>
{%- endif %}
</firmware-settings>
