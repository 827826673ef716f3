{#- The web interface languages offered, as gui_lang.xml does for the
    display. -#}
<?xml version="1.0" encoding="utf-8"?>
<web-languages>
  <language url="{{ XX_server_url|e }}/i18n/web_lang_DE.xml" name="Deutsch"/>
  <language url="{{ XX_server_url|e }}/i18n/web_lang_EN.xml" name="English"/>
  <language url="{{ XX_server_url|e }}/i18n/web_lang_UK.xml" name="English(UK)"/>
  <language url="{{ XX_server_url|e }}/i18n/web_lang_SP.xml" name="Espanol"/>
  <language url="{{ XX_server_url|e }}/i18n/web_lang_FR.xml" name="Français"/>
  <language url="{{ XX_server_url|e }}/i18n/web_lang_IT.xml" name="Italiano"/>
  <language url="{{ XX_server_url|e }}/i18n/web_lang_NL.xml" name="Nederlands"/>
</web-languages>
