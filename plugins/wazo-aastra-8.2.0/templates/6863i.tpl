{#- Mitel 6863i: three programmable keys.
    Model defaults come first; base.tpl, included last, may override
    them with the function keys configured in provd. -#}
# Mitel 6863i
{%- if exten_voicemail %}
prgkey1 type: speeddial
prgkey1 value: {{ exten_voicemail }}
{%- endif %}
{%- if exten_dnd %}
prgkey2 type: speeddial
prgkey2 value: {{ exten_dnd }}
{%- endif %}
{%- if XX_xivo_phonebook_url %}
prgkey3 type: xml
prgkey3 value: {{ XX_xivo_phonebook_url }}
{%- endif %}

{% include 'base.tpl' %}
