{% extends 'base.tpl' %}
{#- The VVX 1500 is a video phone: offer video on every call. #}
{% block model_specific_parameters %}
video.enable="1"
video.autoStartVideoTx="1"
{%- endblock %}
