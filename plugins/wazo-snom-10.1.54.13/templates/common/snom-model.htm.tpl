{#- snom<model>.htm: the setting files every phone of a model reads, in
    order; the phone then reads its own snom<model>-<MAC>.htm. -#}
<?xml version="1.0" encoding="utf-8"?>
<setting-files>
  <file url="{{ XX_server_url|e }}/snom-general.xml"/>
  <file url="{{ XX_server_url|e }}/snom{{ XX_model }}.xml"/>
  <file url="{{ XX_server_url|e }}/gui_lang.xml"/>
  <file url="{{ XX_server_url|e }}/web_lang.xml"/>
</setting-files>
