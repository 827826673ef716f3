{#- Mitel 6970 conference phone: context softkeys under the screen.
    Model defaults come first; base.tpl, included last, may override
    them with the function keys configured in provd. -#}
# Mitel 6970
{%- if exten_voicemail %}
softkey1 type: speeddial
softkey1 value: {{ exten_voicemail }}
softkey1 label: {{ XX_dict.voicemail }}
{%- endif %}
{%- if exten_dnd %}
softkey2 type: speeddial
softkey2 value: {{ exten_dnd }}
softkey2 label: {{ XX_dict.dnd }}
{%- endif %}
{%- if XX_xivo_phonebook_url %}
softkey3 type: xml
softkey3 value: {{ XX_xivo_phonebook_url }}
softkey3 label: {{ XX_dict.remote_directory }}
{%- endif %}

{% include 'base.tpl' %}
