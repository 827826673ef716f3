{#- Fanvil/fanvil_<model>_hw….txt: the firmware a V phone's automatic
    upgrade finds on the upgrade server, one `key=value` per line, then
    the model and version, then the vendor. -#}
Version={{ XX_model_fw_version|e }}
Firmware={{ XX_server_url|e }}/Fanvil/firmware/{{ XX_fw_filename|e }}
Info=TXT|XML
{{ XX_model_info|e }}_{{ XX_model_fw_version|e }}
Fanvil
