{#- snom<model>-<MAC>.htm: the setting files of one base, read after
    snom<model>.htm so that its own settings come last. -#}
<?xml version="1.0" encoding="utf-8"?>
<setting-files>
  <file url="{{ XX_server_url|e }}/{{ XX_xml_filename|e }}"/>
</setting-files>
