{#- Digium/<mac>-contacts.xml: the function keys as contacts, in key order.
    blf_contact_group (in Digium/<mac>.cfg) names this group, so the phone
    lays them on its free line keys; BLF keys subscribe to the line's
    proxy. -#}
<?xml version="1.0" encoding="UTF-8"?>
<phonebooks>
  <contacts group_name="Default" editable="0">
{%- for key in XX_funckeys.values() %}
    <contact first_name="{{ key.label|e }}" last_name="" contact_type="sip"
      {%- if key.type == 'blf' and XX_main_proxy_ip %} subscribe_to="sip:{{ key.value|e }}@{{ XX_main_proxy_ip }}"{% endif %}>
      <numbers>
        <number dial="{{ key.value|e }}" label="Extension" primary="1"/>
      </numbers>
    </contact>
{%- endfor %}
  </contacts>
</phonebooks>
